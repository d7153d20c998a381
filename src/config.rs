//! Settings, from environment variables; a file named by `PORTAL_CONFIG` (lines of
//! `NAME=value`) may add to them, and the environment wins. The defaults run the portal on an
//! embedded SQLite file under `data/`. Settings are parsed here into plain types that the rest of
//! the portal reads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::net::IpAddr;

use actix_web::cookie::Key;
use anyhow::{Context as _, bail};
use ipnet::IpNet;

use crate::store;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portal.sqlite?mode=rwc";

#[derive(Clone)]
pub struct Settings {
    /// `PORTAL_BIND`: address and port to listen on.
    pub bind: String,
    /// `PORTAL_DATABASE_URL`: `sqlite://…` (default) or `postgres://…`.
    pub database_url: String,
    /// `PORTAL_SESSION_KEY`: signs and encrypts the session cookie. When unset, a key is
    /// generated once and kept beside the database, so sessions survive a restart.
    pub session_key: Key,
    /// `PORTAL_DEMO_DATA` (default `true`): load the demo book into an empty database at start.
    pub demo_data: bool,
    /// `PORTAL_HTTPS` (default `false`): the portal is served over HTTPS, so cookies are Secure.
    pub https: bool,
    /// `PORTAL_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: usize,
    /// `PORTAL_DATABASE_POOL` (default two a worker, 8 to 64: `store::default_pool`): database
    /// connections.
    pub database_pool: u32,
    /// `PORTAL_SESSION_IDLE_MINUTES` (default 30): a session ends after this long without a request.
    pub session_idle: chrono::Duration,
    /// `PORTAL_SESSION_MAX_HOURS` (default 12): a session ends this long after sign-in, however active.
    pub session_max: chrono::Duration,
    /// `PORTAL_SESSION_CACHE_SECONDS` (default 5; 0 turns it off): how long an instance may serve
    /// a session from its own memory before reading the shared store again. A session ended on
    /// another instance stops working on this one within this time.
    pub session_cache: std::time::Duration,
    /// `PORTAL_REDIS_URL` (`redis://host:port/db`): keep sessions in Redis instead of the
    /// database.
    pub redis_url: Option<String>,
    /// `PORTAL_API_RATE` (default 600; 0 turns it off): requests a minute each API token may
    /// make, in bursts of as many; past it the API answers 429 with `Retry-After`.
    pub api_rate: u32,
    /// `PORTAL_CLOCK` (an RFC 3339 instant): fixes "now" for the server and every command, for
    /// tests and demonstrations; unset, the system's clock.
    pub clock: crate::clock::Clock,
    /// `PORTAL_METRICS_ALLOW` (default loopback): networks that may read `/metrics`.
    pub metrics_allow: MetricsAllow,
    /// `PORTAL_TRUSTED_PROXIES` (none by default): proxies whose `X-Forwarded-For` names the
    /// client.
    pub trusted_proxies: TrustedProxies,
    /// `PORTAL_PUBLIC_URL` (unset by default): the portal's address as its users reach it
    /// (`https://portal.example.cn`), for the links pages show; unset, the request's own.
    pub public_url: Option<PublicUrl>,
    /// `PORTAL_SHUTDOWN_SECONDS` (default 30): on SIGTERM, how long requests in flight may take
    /// to finish before the portal exits.
    pub shutdown_grace: u64,
    /// `PORTAL_JOB_LEASE` (seconds, default 30): how long an instance's claim on rows of a bulk
    /// change job lasts; the rows of an instance that died are taken over after it.
    pub job_lease: u64,
    /// `PORTAL_JOB_RUNNER` (default true): whether this instance runs bulk change jobs. An
    /// instance that doesn't still starts, shows and cancels them; others run them.
    pub job_runner: bool,
    /// `PORTAL_SMTP_URL` (unset by default; `smtp://[user:password@]host[:port]`): where the
    /// Users page e-mails invitations; unset, their links are shown alone.
    pub smtp_url: Option<String>,
    /// `PORTAL_SMTP_FROM` (default `portal@localhost`): the invitations' sender.
    pub smtp_from: String,
    /// issue 33: `PORTAL_WEBHOOK_*`, how webhooks are delivered.
    pub webhooks: crate::webhooks::WebhookSettings,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &store::redact(&self.database_url))
            .field("demo_data", &self.demo_data)
            .field("https", &self.https)
            .field("workers", &self.workers)
            .field("database_pool", &self.database_pool)
            .field("session_idle", &self.session_idle)
            .field("session_max", &self.session_max)
            .field("session_cache", &self.session_cache)
            .field("redis_url", &self.redis_url.as_deref().map(store::redact))
            .field("smtp_url", &self.smtp_url.as_deref().map(store::redact))
            .field("api_rate", &self.api_rate)
            .field("clock", &self.clock.now())
            .finish_non_exhaustive()
    }
}

fn flag(name: &str, raw: Option<&String>, default: bool) -> anyhow::Result<bool> {
    match raw.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => bail!("{name}={other:?}: expected true or false"),
    }
}

impl Settings {
    /// Reads the process environment (and `PORTAL_CONFIG`'s file, if set).
    pub fn from_env() -> anyhow::Result<Settings> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("PORTAL_CONFIG") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading PORTAL_CONFIG file {path}"))?;
            vars.extend(parse_config_file(&text).with_context(|| format!("in {path}"))?);
        }
        vars.extend(std::env::vars().filter(|(k, _)| k.starts_with("PORTAL_")));
        Settings::from_vars(&vars)
    }

    /// Builds settings from `PORTAL_*` variables.
    pub fn from_vars(vars: &HashMap<String, String>) -> anyhow::Result<Settings> {
        let get = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty());
        let database_url = get("PORTAL_DATABASE_URL")
            .map_or(DEFAULT_DATABASE_URL.to_owned(), |v| v.trim().to_owned());
        let session_key = match get("PORTAL_SESSION_KEY") {
            Some(secret) => key_from_secret(secret).context("PORTAL_SESSION_KEY")?,
            None => kept_key(&key_path(&database_url))?,
        };
        let workers = match get("PORTAL_WORKERS") {
            Some(w) => w
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| {
                    format!("PORTAL_WORKERS={w:?}: expected a whole number above 0")
                })?,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        let positive = |name: &str, default: i64| -> anyhow::Result<i64> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .with_context(|| {
                        format!("{name}={v:?}: expected a whole number from 1 to 100000")
                    }),
            }
        };
        let session_idle = chrono::Duration::minutes(positive("PORTAL_SESSION_IDLE_MINUTES", 30)?);
        let session_max = chrono::Duration::hours(positive("PORTAL_SESSION_MAX_HOURS", 12)?);
        let database_pool = u32::try_from(positive(
            "PORTAL_DATABASE_POOL",
            i64::from(store::default_pool(workers)),
        )?)
        .context("PORTAL_DATABASE_POOL")?;
        // A whole number from 0 to `max`, or `default` when unset.
        let up_to = |name: &str, default: u64, max: u64| -> anyhow::Result<u64> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n <= max)
                    .with_context(|| {
                        format!("{name}={v:?}: expected a whole number from 0 to {max}")
                    }),
            }
        };
        let session_cache = up_to("PORTAL_SESSION_CACHE_SECONDS", 5, 3600)?;
        let api_rate =
            u32::try_from(up_to("PORTAL_API_RATE", 600, 1_000_000)?).context("PORTAL_API_RATE")?;
        let clock = match get("PORTAL_CLOCK") {
            None => crate::clock::Clock::system(),
            Some(v) => crate::clock::Clock::parse(v).context("PORTAL_CLOCK")?,
        };
        let metrics_allow = match get("PORTAL_METRICS_ALLOW") {
            None => MetricsAllow::default(),
            Some(v) => MetricsAllow(
                Networks::parse(v).map_err(|e| anyhow::anyhow!("PORTAL_METRICS_ALLOW: {e}"))?,
            ),
        };
        let trusted_proxies = TrustedProxies(match get("PORTAL_TRUSTED_PROXIES") {
            None => Networks::default(),
            Some(v) => {
                Networks::parse(v).map_err(|e| anyhow::anyhow!("PORTAL_TRUSTED_PROXIES: {e}"))?
            }
        });
        let public_url = get("PORTAL_PUBLIC_URL")
            .map(|v| PublicUrl::parse(v))
            .transpose()
            .map_err(|e| anyhow::anyhow!("PORTAL_PUBLIC_URL={e}"))?;
        let shutdown_grace = up_to("PORTAL_SHUTDOWN_SECONDS", 30, 3600)?;
        let job_lease = up_to("PORTAL_JOB_LEASE", 30, 3600)?.max(1);
        let webhooks = webhook_settings(&get, &up_to)?;
        Ok(Settings {
            smtp_url: get("PORTAL_SMTP_URL")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
            smtp_from: get("PORTAL_SMTP_FROM")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "portal@localhost".to_owned()),
            webhooks,
            job_lease,
            job_runner: flag("PORTAL_JOB_RUNNER", get("PORTAL_JOB_RUNNER"), true)?,
            shutdown_grace,
            public_url,
            trusted_proxies,
            metrics_allow,
            clock,
            api_rate,
            database_pool,
            session_cache: std::time::Duration::from_secs(session_cache),
            redis_url: get("PORTAL_REDIS_URL").map(|v| v.trim().to_owned()),
            session_idle,
            session_max,
            bind: get("PORTAL_BIND").map_or(DEFAULT_BIND.to_owned(), |v| v.trim().to_owned()),
            database_url,
            session_key,
            demo_data: flag("PORTAL_DEMO_DATA", get("PORTAL_DEMO_DATA"), true)?,
            https: flag("PORTAL_HTTPS", get("PORTAL_HTTPS"), false)?,
            workers,
        })
    }
}

/// issue 33: `PORTAL_WEBHOOK_RETRY_SECONDS` (default 30), `PORTAL_WEBHOOK_LEASE_SECONDS`
/// (default 30, at least 6), `PORTAL_WEBHOOK_ALLOW` (networks), `PORTAL_WEBHOOK_KEY` (a PEM
/// file), `PORTAL_WEBHOOK_WORKER` (default true), `PORTAL_WEBHOOK_EVENTS_DAYS` (default 7, at
/// least 1: how long the outbox keeps the events the webhooks are done with),
/// `PORTAL_WEBHOOK_TEST_BURST` (default 2, at least 1: test events a reseller may ask for in a
/// minute, as Partner Center allows).
fn webhook_settings<'a>(
    get: &impl Fn(&str) -> Option<&'a String>,
    up_to: &impl Fn(&str, u64, u64) -> anyhow::Result<u64>,
) -> anyhow::Result<crate::webhooks::WebhookSettings> {
    let defaults = crate::webhooks::WebhookSettings::default();
    Ok(crate::webhooks::WebhookSettings {
        retry: std::time::Duration::from_secs(
            up_to("PORTAL_WEBHOOK_RETRY_SECONDS", 30, 86_400)?.max(1),
        ),
        lease: std::time::Duration::from_secs(
            up_to("PORTAL_WEBHOOK_LEASE_SECONDS", 30, 3600)?.max(6),
        ),
        allow: match get("PORTAL_WEBHOOK_ALLOW") {
            None => Networks::default(),
            Some(v) => {
                Networks::parse(v).map_err(|e| anyhow::anyhow!("PORTAL_WEBHOOK_ALLOW: {e}"))?
            }
        },
        key_file: get("PORTAL_WEBHOOK_KEY").map(|v| std::path::PathBuf::from(v.trim())),
        worker: flag(
            "PORTAL_WEBHOOK_WORKER",
            get("PORTAL_WEBHOOK_WORKER"),
            defaults.worker,
        )?,
        idle: defaults.idle,
        events_kept: std::time::Duration::from_secs(
            up_to("PORTAL_WEBHOOK_EVENTS_DAYS", 7, 3650)?.max(1) * 86_400,
        ),
        test_burst: u32::try_from(up_to("PORTAL_WEBHOOK_TEST_BURST", 2, 1000)?.max(1)).unwrap_or(2),
    })
}

/// A list of networks (`10.0.0.0/8, 192.168.1.5`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(pub Vec<IpNet>);

impl Networks {
    /// Networks separated by commas; a lone address is a network of one.
    pub fn parse(raw: &str) -> Result<Networks, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{n:?} is not an address or a network like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Networks)
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`PORTAL_TRUSTED_PROXIES`; none by default).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Networks);

/// The networks that may read `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsAllow(pub Networks);

impl Default for MetricsAllow {
    /// Loopback only.
    fn default() -> Self {
        MetricsAllow(Networks::parse("127.0.0.0/8, ::1").unwrap_or_default())
    }
}

impl MetricsAllow {
    pub fn allows(&self, address: IpAddr) -> bool {
        self.0.contains(address)
    }
}

/// The portal's address as its users reach it (`PORTAL_PUBLIC_URL`, e.g.
/// `https://portal.example.cn`): `http` or `https`, a host, perhaps a port and a path; kept
/// without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<PublicUrl, String> {
        let url = raw.trim().trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("{raw:?}: expected an address like https://portal.example.cn")
            })?;
        let host = rest.split('/').next().unwrap_or_default();
        let fine = |c: char| c.is_ascii_alphanumeric() || "-._~:/[]%".contains(c);
        if host.is_empty() || !rest.chars().all(fine) {
            return Err(format!(
                "{raw:?}: expected an address like https://portal.example.cn (no query, no spaces)"
            ));
        }
        Ok(PublicUrl(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the portal is served over HTTPS (`PORTAL_HTTPS`): its cookies are then Secure.
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// `NAME=value` lines; blank lines and `#` comments are skipped.
fn parse_config_file(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(i, line)| {
            let (k, v) = line
                .split_once('=')
                .with_context(|| format!("line {}: expected NAME=value", i + 1))?;
            Ok((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        })
        .collect()
}

fn key_from_secret(secret: &str) -> anyhow::Result<Key> {
    if secret.len() < 32 {
        bail!("must be at least 32 characters long");
    }
    Ok(Key::derive_from(secret.as_bytes()))
}

/// Where a generated key is kept: beside the SQLite file, or under `data/` for other databases.
fn key_path(database_url: &str) -> PathBuf {
    let dir = store::sqlite_path(database_url)
        .and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("data"));
    dir.join("session.key")
}

/// Reads the kept key, or generates and keeps one (readable by the owner only).
fn kept_key(path: &Path) -> anyhow::Result<Key> {
    if let Ok(secret) = std::fs::read_to_string(path) {
        return key_from_secret(secret.trim())
            .with_context(|| format!("session key file {}", path.display()));
    }
    let mut bytes = [0u8; 64];
    rand::fill(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_private(path, &secret)
        .with_context(|| format!("keeping the session key in {}", path.display()))?;
    key_from_secret(&secret)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/p.sqlite?mode=rwc", dir.path().display());
        let s = Settings::from_vars(&vars(&[("PORTAL_DATABASE_URL", &url)])).unwrap();
        assert_eq!(s.bind, DEFAULT_BIND);
        assert!(s.demo_data && !s.https);
        assert!(
            dir.path().join("session.key").exists(),
            "the generated key is kept beside the database"
        );
        let again = Settings::from_vars(&vars(&[("PORTAL_DATABASE_URL", &url)])).unwrap();
        assert_eq!(
            s.session_key.master(),
            again.session_key.master(),
            "the kept key is reused"
        );
        let s = Settings::from_vars(&vars(&[
            ("PORTAL_BIND", "0.0.0.0:9000"),
            ("PORTAL_SESSION_KEY", &"k".repeat(40)),
            ("PORTAL_DEMO_DATA", "false"),
            ("PORTAL_DATABASE_URL", &url),
        ]))
        .unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert!(!s.demo_data);
    }

    #[test]
    fn the_pool_grows_with_the_workers_unless_configured() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/p.sqlite?mode=rwc", dir.path().display());
        let pool = |extra: &[(&str, &str)]| {
            let mut v = vars(&[("PORTAL_DATABASE_URL", &url)]);
            v.extend(vars(extra));
            Settings::from_vars(&v).unwrap().database_pool
        };
        assert_eq!(pool(&[("PORTAL_WORKERS", "2")]), 8, "two cores: as before");
        assert_eq!(pool(&[("PORTAL_WORKERS", "16")]), 32);
        assert_eq!(
            pool(&[("PORTAL_WORKERS", "96")]),
            64,
            "PostgreSQL's 100 connections"
        );
        assert_eq!(
            pool(&[("PORTAL_WORKERS", "16"), ("PORTAL_DATABASE_POOL", "8")]),
            8
        );
    }

    #[test]
    fn bad_values_are_refused_with_their_name() {
        let e = Settings::from_vars(&vars(&[("PORTAL_SESSION_KEY", "short")])).unwrap_err();
        assert!(format!("{e:#}").contains("PORTAL_SESSION_KEY"));
        let e = Settings::from_vars(&vars(&[
            ("PORTAL_SESSION_KEY", &"k".repeat(40)),
            ("PORTAL_HTTPS", "maybe"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("PORTAL_HTTPS"));
    }

    #[test]
    fn config_files() {
        let lines =
            parse_config_file("# comment\n\nPORTAL_BIND = 127.0.0.1:1\nPORTAL_HTTPS=\"true\"\n")
                .unwrap();
        assert_eq!(
            lines,
            [
                ("PORTAL_BIND".into(), "127.0.0.1:1".into()),
                ("PORTAL_HTTPS".into(), "true".into())
            ]
        );
        assert!(parse_config_file("nonsense").is_err());
    }
}
