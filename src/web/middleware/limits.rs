//! How large a request's body may be: every form and API body by default, and the one form that
//! carries a file's rows. The CSRF check reads a form's body up to its limit (and the routes
//! that may send that much are named where the App is wired); the route table gives the form's
//! handler the same.

/// Any form or API body.
pub const DEFAULT: usize = 16 * 1024;

/// The most text the bulk change rows form takes (about 50,000 lines of a subscriptions
/// export).
pub const BULK_ROWS: usize = 8 * 1024 * 1024;

/// The bulk change rows form's whole body: its rows, and the rest of the form.
pub const BULK_FORM: usize = BULK_ROWS + 64 * 1024;
