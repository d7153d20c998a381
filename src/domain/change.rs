//! The changes a reseller makes, as one list, whatever door they come through.

/// The door a change came through, as the activity log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A page of the portal.
    Page,
    /// The `/v1` API, with this token.
    Token(i32),
    /// A row of this bulk change job.
    Job(i32),
}

impl Via {
    pub fn token(self) -> Option<i32> {
        match self {
            Via::Token(id) => Some(id),
            _ => None,
        }
    }

    pub fn job(self) -> Option<i32> {
        match self {
            Via::Job(id) => Some(id),
            _ => None,
        }
    }
}
