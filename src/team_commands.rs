//! The command line's team commands (issue 32): `portal reseller create`, `portal user add`,
//! `portal user deactivate`, `portal user reactivate`. Each writes its activity record, as the
//! Users page does, with the command line as its door (no one is signed in).

use anyhow::Context as _;
use clap::Subcommand;
use portal::config::Settings;
use portal::domain::Role;
use portal::domain::team::{LinkSecret, PersonName, UserEmail};
use portal::store::activity::{self, Action};
use portal::store::team::{self, TeamChangeError};

#[derive(Subcommand)]
pub enum ResellerCommand {
    /// Create a reseller with an empty book and its first global admin; prints a one-time link
    /// (valid 7 days) for the admin to set their password.
    Create {
        /// The reseller's id (letters, digits, `-` and `_`).
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// The e-mail address of its first global admin.
        #[arg(long)]
        admin: String,
        /// Its billing day (1 to 28); by default today's day of the month (28 at most).
        #[arg(long)]
        billing_day: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user to a reseller with a role; prints the one-time link (valid 7 days) that sets
    /// their password, alone.
    Add {
        #[arg(long)]
        reseller: String,
        #[arg(long)]
        email: String,
        /// global-admin, admin-agent, sales-agent, helpdesk-agent or billing-admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Deactivate a user: they can't sign in, their sessions end at their next request and their
    /// API tokens stop at once.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Reactivate a deactivated user: they sign in again with their password. The sessions and
    /// API tokens that deactivation ended stay ended.
    Reactivate {
        #[arg(long)]
        email: String,
    },
}

async fn database() -> anyhow::Result<(Settings, portal::store::Db)> {
    let mut settings = Settings::from_env()?;
    settings.demo_data = false;
    let db = portal::store::connect(&settings.database_url, settings.database_pool).await?;
    Ok((settings, db))
}

/// The link as its user opens it: at `PORTAL_PUBLIC_URL`, else at the address the portal
/// listens on.
fn link(settings: &Settings, secret: &LinkSecret) -> String {
    let base = match &settings.public_url {
        Some(url) => url.as_str().to_owned(),
        None => format!("http://{}", settings.bind.replace("0.0.0.0", "127.0.0.1")),
    };
    format!("{base}{}", secret.path())
}

fn email(raw: &str) -> anyhow::Result<UserEmail> {
    UserEmail::parse(raw).map_err(|e| anyhow::anyhow!("--email {raw:?}: {e}"))
}

fn explained(e: TeamChangeError) -> anyhow::Error {
    match e {
        TeamChangeError::Db(e) => anyhow::Error::new(e).context("nothing was written"),
        other => anyhow::anyhow!("{other}; nothing was written"),
    }
}

pub async fn reseller(command: ResellerCommand) -> anyhow::Result<()> {
    let ResellerCommand::Create {
        id,
        name,
        admin,
        billing_day,
    } = command;
    let id =
        portal::domain::ResellerId::parse(&id).map_err(|e| anyhow::anyhow!("--id {id:?} {e}"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        anyhow::bail!("--name: 1 to 200 characters");
    }
    let admin = UserEmail::parse(&admin).map_err(|e| anyhow::anyhow!("--admin {admin:?}: {e}"))?;
    let (settings, db) = database().await?;
    let day = match billing_day {
        Some(day) => portal::domain::billing::BillingDay::parse(&day)
            .with_context(|| format!("--billing-day {day:?} is not a day from 1 to 28"))?,
        None => portal::domain::billing::BillingDay::starting(settings.clock.today()),
    };
    let at = settings.clock.now();
    let secret = team::create_reseller(&db, &id, name, day, &admin, at)
        .await
        .map_err(explained)?;
    let detail = format!("{} ({})", admin.as_str(), Role::GlobalAdmin.as_str());
    activity::record_team_change_by_command_line(&db, &id, Action::UserInvited, &detail, at)
        .await?;
    eprintln!(
        "created reseller {id} with global admin {}; the link below sets their password (once, within 7 days):",
        admin.as_str()
    );
    println!("{}", link(&settings, &secret));
    Ok(())
}

pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            reseller,
            email: raw,
            role,
            name,
        } => {
            let reseller = portal::domain::ResellerId::parse(&reseller)
                .map_err(|e| anyhow::anyhow!("--reseller {reseller:?} {e}"))?;
            let email = email(&raw)?;
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let name = PersonName::parse(name.as_deref().unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let (settings, db) = database().await?;
            let at = settings.clock.now();
            let (_, secret) = team::add(&db, &reseller, &email, name.as_ref(), role, at)
                .await
                .map_err(|e| match e {
                    TeamChangeError::NotFound => anyhow::anyhow!("no reseller {reseller}"),
                    e => explained(e),
                })?;
            let detail = format!("{} ({})", email.as_str(), role.as_str());
            activity::record_team_change_by_command_line(
                &db,
                &reseller,
                Action::UserInvited,
                &detail,
                at,
            )
            .await?;
            println!("{}", link(&settings, &secret));
        }
        UserCommand::Deactivate { email: raw } => {
            let email = email(&raw)?;
            let (settings, db) = database().await?;
            let (reseller, member) = team::by_email(&db, &email)
                .await?
                .with_context(|| format!("no user {:?}", email.as_str()))?;
            if !member.active {
                println!("{} was deactivated already", member.email);
                return Ok(());
            }
            let at = settings.clock.now();
            let email = team::deactivate(&db, &reseller, member.id, at)
                .await
                .map_err(explained)?;
            activity::record_team_change_by_command_line(
                &db,
                &reseller,
                Action::UserDeactivated,
                &email,
                at,
            )
            .await?;
            println!("deactivated {email} of reseller {reseller}");
        }
        UserCommand::Reactivate { email: raw } => {
            let email = email(&raw)?;
            let (settings, db) = database().await?;
            let (reseller, member) = team::by_email(&db, &email)
                .await?
                .with_context(|| format!("no user {:?}", email.as_str()))?;
            let Some(email) = team::reactivate(&db, &reseller, member.id)
                .await
                .map_err(explained)?
            else {
                println!("{} is active already", member.email);
                return Ok(());
            };
            activity::record_team_change_by_command_line(
                &db,
                &reseller,
                Action::UserReactivated,
                &email,
                settings.clock.now(),
            )
            .await?;
            println!(
                "reactivated {email} of reseller {reseller}: they sign in with their password; the sessions and API tokens ended at deactivation stay ended"
            );
        }
    }
    Ok(())
}
