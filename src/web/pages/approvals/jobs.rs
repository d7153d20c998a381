//! A bulk job of more rows than the reseller's threshold, held for a second person's approval:
//! its decision on the job's own page (approve: it runs, with the approver's role; reject with a
//! note: its rows are never done). Its maker withdraws it with the job's Cancel.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::domain::Account;
use crate::domain::approval::{EXPIRES, Note, NoteError, may_decide};
use crate::jobs::Jobs;
use crate::store::Db;
use crate::store::jobs::{self as job_store, Job, JobState};
use crate::web::middleware::error::PageError;
use crate::web::middleware::i18n::Locale;
use crate::web::middleware::signed_in::SignedIn;
use crate::web::pages::bulk::job_href;
use crate::web::see_other;

/// A job held for approval, as its page offers the decision.
pub struct JobDecide {
    /// `pending` or `expired`.
    pub state: &'static str,
    pub requested_at: DateTime<Utc>,
    pub may_decide: bool,
    /// The viewer made the job: they may withdraw it, and not decide it.
    pub own: bool,
    pub note_value: String,
    pub note_error: Option<String>,
}

impl JobDecide {
    /// The decision of `job`, when it is held for approval.
    pub fn of(job: &Job, who: &Account, now: DateTime<Utc>) -> Option<JobDecide> {
        if job.state != JobState::Approval {
            return None;
        }
        let requested_at = job.requested_at.unwrap_or(job.created_at);
        let expired = now >= requested_at + EXPIRES;
        Some(JobDecide {
            state: if expired { "expired" } else { "pending" },
            requested_at,
            may_decide: !expired && may_decide(who.role, who.user_id, job.user_id).is_ok(),
            own: job.user_id == who.user_id,
            note_value: String::new(),
            note_error: None,
        })
    }

    /// With the message of a rejection sent without its note (`missing`) or with too long a one.
    pub fn with_note_error(mut self, l: Locale, why: Option<&str>) -> JobDecide {
        self.note_error = match why {
            Some("missing") => Some(l.t(NoteError::Empty.message_key())),
            Some("long") => Some(l.t(NoteError::TooLong.message_key())),
            _ => None,
        };
        self
    }
}

/// The reseller's job `id` that the signed-in user may decide: another's (their own: 403).
async fn decidable(db: &Db, user: &SignedIn, id: i32) -> Result<Job, PageError> {
    let who = &user.account;
    let job = job_store::get(db, &who.reseller, id)
        .await?
        .ok_or(PageError::NotFound)?;
    may_decide(who.role, who.user_id, job.user_id).map_err(|_| PageError::Forbidden)?;
    Ok(job)
}

// permission: approve
/// Approves a held job: it runs from now on, with the approver's role (a second approval, or
/// one of a job no longer waiting, changes nothing).
pub async fn approve_job(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    jobs: web::Data<Jobs>,
    path: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let job = decidable(&db, &user, path.into_inner()).await?;
    if job_store::approve(&db, &user.account, &job, clock.now()).await? {
        metrics::counter!("portal_jobs_total", "event" => "started").increment(1);
        jobs.wake();
    }
    Ok(see_other(job_href(job.id)))
}

#[derive(serde::Deserialize)]
pub struct RejectJobForm {
    #[serde(default)]
    note: String,
}

// permission: approve
/// Rejects a held job with a note: its rows are never done.
pub async fn reject_job(
    user: SignedIn,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    path: web::Path<i32>,
    form: web::Form<RejectJobForm>,
) -> Result<HttpResponse, PageError> {
    let job = decidable(&db, &user, path.into_inner()).await?;
    let note = match Note::parse(&form.note) {
        Ok(note) => note,
        Err(NoteError::Empty) => {
            return Ok(see_other(format!("{}?note=missing", job_href(job.id))));
        }
        Err(NoteError::TooLong) => return Ok(see_other(format!("{}?note=long", job_href(job.id)))),
    };
    job_store::reject(&db, &user.account, &job, note.as_str(), clock.now()).await?;
    Ok(see_other(job_href(job.id)))
}
