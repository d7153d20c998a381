//! The portal driven over real HTTP against a real SQLite file, one server and one database per
//! test. Compiled as one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api_client;
mod approvals;
mod billing;
mod bulk;
mod bulk_words;
mod crash;
mod eligibility;
mod events;
mod exports;
mod flow;
mod helpers;
mod import;
mod input;
mod instances;
mod matrix;
mod new_customers;
mod notifications;
mod operations;
mod order_pages;
mod orders;
mod probe;
mod receiver;
mod reviews;
mod roles;
mod security;
mod stumbles;
mod team;
mod tenancy;
mod two_step;
mod v1;
mod webhooks;
mod wire;
