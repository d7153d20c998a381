//! A job's title, kept as its parts (the selection's fields, or the file's name and rows) and
//! put into words in each viewer's language: "Bulk change #1: Upgrade to … · …" in English,
//! "批量更改 #1：升级到 …" in Chinese, whoever made it.

use super::{SelectionForm, describe, parse_selection};
use crate::store::jobs::Job;
use crate::web::middleware::i18n::Locale;

/// What a job's title says, before it is put into words.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Title {
    /// The selection form's fields, as the job was made from them.
    Selection(SelectionForm),
    /// A file's name (empty for pasted rows) and its number of rows.
    File { name: String, rows: u32 },
}

impl Title {
    /// The parts as a job keeps them.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The parts in `l`'s words.
    fn words(&self, l: Locale) -> Option<String> {
        match self {
            Title::Selection(form) => parse_selection(l, form).ok().map(|s| describe(l, &s)),
            Title::File { name, rows } if name.is_empty() => {
                Some(l.t1("bulk-from-pasted", "n", l.num(*rows)))
            }
            Title::File { name, rows } => {
                Some(l.t2("bulk-from-file", "name", name.as_str(), "n", l.num(*rows)))
            }
        }
    }
}

/// What `job` does, in `l`'s words (a job written before its parts were kept: its maker's).
pub fn what(l: Locale, job: &Job) -> String {
    job.title
        .as_deref()
        .and_then(|t| serde_json::from_str::<Title>(t).ok())
        .and_then(|t| t.words(l))
        .unwrap_or_else(|| job.summary.clone())
}

/// The job's name and what it does: "Bulk change #1: …".
pub fn full(l: Locale, job: &Job) -> String {
    l.t2("bulk-job-title", "id", job.id, "what", what(l, job))
}
