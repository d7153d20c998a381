//! What answers a browser: one module per page or resource, each handler parsing its form into
//! domain types at the edge; the frame every page carries ([`layout`]); the ids in the paths
//! ([`paths`]); and the one review and confirm of every change ([`review`]).

pub mod activity;
pub mod api_access;
pub mod api_reference_zh;
pub mod approvals;
pub mod billing;
pub mod bulk;
pub mod catalog;
pub mod customers;
pub mod delegated_admin;
pub mod details;
pub mod error;
pub mod exports;
pub mod language;
pub mod layout;
pub mod new_customer;
pub mod notifications;
pub mod orders;
pub mod paths;
pub mod review;
pub mod reviews;
pub mod security;
pub mod set_password;
pub mod sign_in;
pub mod subscriptions;
pub mod upgrade;
pub mod users;
