//! sea-orm entities, one per table. Only `store` uses them.

pub mod activity;
pub mod api_token;
pub mod customer;
pub mod draft;
pub mod event;
pub mod idempotency;
pub mod job;
pub mod job_row;
pub mod order;
pub mod order_line;
pub mod price;
pub mod recovery_code;
pub mod relationship;
pub mod reseller;
pub mod session;
pub mod subscription;
pub mod upgrade;
pub mod user;
pub mod user_link;
