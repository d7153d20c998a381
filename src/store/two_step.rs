//! Two-step sign-in's records (issue 32): a user's authenticator secret (pending until a first
//! code confirms it), the last step whose code was used, their recovery codes (hashes, each used
//! once), and the roles a reseller requires to enroll.
//!
//! A secret is kept sealed (AES-256-GCM under the portal's key, bound to its user: see
//! [`crate::sealed`]), never in clear: a copy of the database alone makes no codes. Secrets kept
//! in clear before are sealed at start-up ([`seal_in_clear`]).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

use super::turn::write_turn;
use super::{Db, DbErr};
use crate::domain::totp::{self, TotpSecret};
use crate::domain::{ResellerId, Role};
use crate::entities::{recovery_code, reseller, user};
use crate::sealed::Sealer;

/// Where a user stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoStep {
    pub enrolled: bool,
    /// The secret being enrolled, shown until confirmed.
    pub pending: Option<TotpSecret>,
    /// Recovery codes not used yet.
    pub recovery_left: u64,
}

/// What a secret is sealed for: two-step sign-in, of this user (a secret moved to another
/// user's row opens to nothing).
fn purpose(user_id: i32) -> String {
    format!("two-step secret of user {user_id}")
}

fn seal(sealer: &Sealer, user_id: i32, secret: &TotpSecret) -> String {
    sealer.seal(&purpose(user_id), secret.to_base32().as_bytes())
}

/// The secret a column holds, if this portal sealed it for this user.
fn open(sealer: &Sealer, user_id: i32, raw: Option<&str>) -> Option<TotpSecret> {
    let opened = sealer.open(&purpose(user_id), raw?)?;
    TotpSecret::from_base32(std::str::from_utf8(&opened).ok()?)
}

/// Whether a column's value is a secret as it was kept before sealing: base32, upper case (a
/// sealed value is lower-case hexadecimal).
fn in_clear(raw: &str) -> bool {
    !raw.is_empty()
        && raw
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

/// Seals the secrets (enrolled or pending) still kept in clear, written before secrets were
/// sealed: the portal runs it at every start (a schema migration can't: the key is the
/// portal's, and the migrations never import it), in one transaction; once done it finds
/// nothing. Returns how many users' secrets it sealed.
pub async fn seal_in_clear(db: &Db, sealer: &Sealer) -> Result<usize, DbErr> {
    let rows = user::Entity::find()
        .filter(
            user::Column::TotpSecret
                .is_not_null()
                .or(user::Column::TotpPending.is_not_null()),
        )
        .all(db)
        .await?;
    let rows: Vec<user::Model> = rows
        .into_iter()
        .filter(|u| {
            u.totp_secret.as_deref().is_some_and(in_clear)
                || u.totp_pending.as_deref().is_some_and(in_clear)
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let sealed = |id: i32, raw: Option<String>| match raw {
        Some(raw) if in_clear(&raw) => TotpSecret::from_base32(&raw).map(|s| seal(sealer, id, &s)),
        other => other,
    };
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    for u in &rows {
        user::Entity::update_many()
            .col_expr(
                user::Column::TotpSecret,
                Expr::val(sealed(u.id, u.totp_secret.clone())),
            )
            .col_expr(
                user::Column::TotpPending,
                Expr::val(sealed(u.id, u.totp_pending.clone())),
            )
            .filter(user::Column::Id.eq(u.id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows.len())
}

pub async fn state(db: &Db, sealer: &Sealer, user_id: i32) -> Result<TwoStep, DbErr> {
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("user {user_id}")))?;
    let recovery_left = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await?;
    Ok(TwoStep {
        enrolled: u.totp_secret.is_some(),
        pending: open(sealer, user_id, u.totp_pending.as_deref()),
        recovery_left,
    })
}

/// Starts (or starts again) an enrollment: a new secret, pending until confirmed.
pub async fn start(db: &Db, sealer: &Sealer, user_id: i32) -> Result<TotpSecret, DbErr> {
    let new = TotpSecret::generate();
    let _turn = write_turn(db).await;
    user::Entity::update_many()
        .col_expr(
            user::Column::TotpPending,
            Expr::val(seal(sealer, user_id, &new)),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(new)
}

/// Confirms the pending enrollment with a first code: the secret is the user's from now on, and
/// ten new recovery codes replace any before, returned this once. `None`: no enrollment pending,
/// or a wrong code (nothing written).
pub async fn confirm(
    db: &Db,
    sealer: &Sealer,
    user_id: i32,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Option<Vec<String>>, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let Some(u) = user::Entity::find_by_id(user_id).one(&txn).await? else {
        return Ok(None);
    };
    let Some(pending) = open(sealer, user_id, u.totp_pending.as_deref()) else {
        return Ok(None);
    };
    let Some(step) = pending.verify(typed, now.timestamp(), None) else {
        return Ok(None);
    };
    user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, Expr::val(u.totp_pending))
        .col_expr(user::Column::TotpPending, Expr::val(Option::<String>::None))
        .col_expr(user::Column::TotpLastStep, Expr::val(step))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::recovery_code())
        .collect();
    recovery_code::Entity::insert_many(codes.iter().map(|c| recovery_code::ActiveModel {
        user_id: Set(user_id),
        hash: Set(totp::recovery_hash(c)),
        used_at: Set(None),
        ..Default::default()
    }))
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(codes))
}

/// An enrolled user's secret and the last step used, for sign-in.
#[derive(Debug)]
pub struct Enrolled {
    /// `None`: the secret can't be opened (sealed under another key: `PORTAL_SESSION_KEY`
    /// changed). The user is still enrolled: no code is right, a recovery code still is.
    pub secret: Option<TotpSecret>,
    pub last_step: Option<i64>,
}

/// The user's enrollment, for sign-in; `None`: not enrolled.
pub async fn enrolled(db: &Db, sealer: &Sealer, user_id: i32) -> Result<Option<Enrolled>, DbErr> {
    let Some(u) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let Some(raw) = u.totp_secret.as_deref() else {
        return Ok(None);
    };
    let secret = open(sealer, user_id, Some(raw));
    if secret.is_none() {
        tracing::warn!(
            user_id,
            "a two-step secret that the portal's key does not open (was PORTAL_SESSION_KEY changed?): only recovery codes sign this user in"
        );
    }
    Ok(Some(Enrolled {
        secret,
        last_step: u.totp_last_step,
    }))
}

/// Takes a code's step as used: `false` when it (or a later one) was used meanwhile, on any
/// instance (one statement decides).
pub async fn use_step(db: &Db, user_id: i32, step: i64) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    Ok(user::Entity::update_many()
        .col_expr(user::Column::TotpLastStep, Expr::val(step))
        .filter(user::Column::Id.eq(user_id))
        .filter(
            Expr::col(user::Column::TotpLastStep)
                .is_null()
                .or(Expr::col(user::Column::TotpLastStep).lt(step)),
        )
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Uses one of the user's recovery codes: `false` when it is none of theirs, or was used.
pub async fn use_recovery(
    db: &Db,
    user_id: i32,
    typed: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let _turn = write_turn(db).await;
    Ok(recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::val(at))
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::Hash.eq(totp::recovery_hash(typed)))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        >= 1)
}

/// A global admin resets a user of their reseller's two-step sign-in: no secret, no recovery
/// codes; they sign in with their password alone (and enroll again where required). Returns
/// the user's e-mail address, or `None` for no such user of this reseller.
pub async fn reset(db: &Db, reseller: &ResellerId, user_id: i32) -> Result<Option<String>, DbErr> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let Some(u) = user::Entity::find_by_id(user_id)
        .filter(user::Column::ResellerId.eq(reseller.as_str()))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, Expr::val(Option::<String>::None))
        .col_expr(user::Column::TotpPending, Expr::val(Option::<String>::None))
        .col_expr(user::Column::TotpLastStep, Expr::val(Option::<i64>::None))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Some(u.email))
}

/// The roles the reseller requires to enroll.
pub async fn required(db: &Db, reseller: &ResellerId) -> Result<Vec<Role>, DbErr> {
    Ok(reseller::Entity::find_by_id(reseller.as_str())
        .one(db)
        .await?
        .and_then(|r| r.two_step_roles)
        .map(|raw| Role::parse_list(&raw))
        .unwrap_or_default())
}

/// Sets the roles the reseller requires to enroll.
pub async fn set_required(db: &Db, reseller: &ResellerId, roles: &[Role]) -> Result<(), DbErr> {
    let _turn = write_turn(db).await;
    reseller::Entity::update_many()
        .col_expr(reseller::Column::TwoStepRoles, Expr::val(Role::join(roles)))
        .filter(reseller::Column::Id.eq(reseller.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_is_never_taken_for_one_in_clear_and_opens_for_its_user_only() {
        let sealer = Sealer::new(&actix_web::cookie::Key::derive_from(&[7; 64]));
        let secret = TotpSecret::generate();
        assert!(in_clear(&secret.to_base32()));
        for _ in 0..50 {
            let sealed = seal(&sealer, 3, &secret);
            assert!(!in_clear(&sealed), "{sealed}");
            assert_eq!(open(&sealer, 3, Some(&sealed)), Some(secret.clone()));
            assert_eq!(open(&sealer, 4, Some(&sealed)), None);
        }
        assert!(!in_clear(""));
        assert_eq!(open(&sealer, 3, Some(&secret.to_base32())), None);
        assert_eq!(open(&sealer, 3, None), None);
    }
}
