//! The sealer every request may reach (`web::Data<Sealer>`): the primitive is the crate's
//! [`crate::sealed`], which the store uses too.

pub use crate::sealed::Sealer;
