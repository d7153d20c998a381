//! The reseller portal for Partner Center operated by 21Vianet (由世纪互联运营的合作伙伴中心).
//!
//! Layers, top to bottom: `web` (HTTP) → `store` (database) → `domain` (rules). `startup` wires
//! them; `config` reads the settings; `clock` says what time it is; `import` reads a reseller's
//! book from a file; `sealed` seals values with the portal's key; `jobs` runs confirmed bulk
//! changes in the background; `mail` sends invitations; `webhooks` delivers the events of the
//! outbox to the receivers resellers registered.

pub mod charges;
pub mod clock;
pub mod config;
pub mod domain;
mod entities;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod password;
pub mod sealed;
pub mod seed;
pub mod startup;
pub mod store;
pub mod web;
pub mod webhooks;
