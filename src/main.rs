use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use portal::config::Settings;
use portal::startup::Application;

mod team_commands;

/// mimalloc instead of glibc's allocator, for Rust and (`override`) for SQLite's own C code:
/// a request allocates and frees many small buffers on threads that hand work to each other (the
/// HTTP workers, SQLite's connection threads), where glibc's per-thread arenas spend their time
/// consolidating and locking. Without transparent huge pages (`no_thp`), which held 30 MB more
/// resident for no measurable speed (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The reseller portal for Partner Center operated by 21Vianet.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Load a reseller's book of customers from a JSON file, all or nothing.
    Import {
        /// The JSON file (format: see the README).
        file: PathBuf,
    },
    /// Load a price list (CSV: Offer ID,Currency,Unit Price,Valid From), all or nothing.
    Prices {
        #[command(subcommand)]
        command: PricesCommand,
    },
    /// Set a reseller's billing day (1 to 28): the day of the month its invoices are dated.
    BillingDay {
        /// The reseller's id, as in the import file.
        reseller: String,
        day: String,
    },
    /// Print a reseller's charges on an invoice date as CSV.
    Charges {
        #[arg(long)]
        reseller: String,
        /// A billing date of the reseller, YYYY-MM-DD.
        #[arg(long)]
        invoice_date: String,
        /// Start with UTF-8's byte-order mark, as the page's download does (for Excel); without
        /// it the output is plain UTF-8, for scripts.
        #[arg(long)]
        bom: bool,
        /// The language of the offers' names: en-US (the default) or zh-CN, as the page's
        /// download in that language writes them.
        #[arg(long, default_value = "en-US")]
        language: String,
    },
    /// Write a consistent copy of the SQLite database to FILE, while the portal runs.
    Backup { file: PathBuf },
    /// Issue, list or revoke the API tokens of a reseller's user.
    ApiToken {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Create a reseller and its first global admin.
    Reseller {
        #[command(subcommand)]
        command: team_commands::ResellerCommand,
    },
    /// Add or deactivate a reseller's users.
    User {
        #[command(subcommand)]
        command: team_commands::UserCommand,
    },
    /// Generate a large book for reseller `bigbook` (sign in as admin@bigbook.example /
    /// bigbook-demo), for measuring the portal at scale.
    Seed {
        /// How many customers.
        #[arg(long, default_value_t = 1000)]
        customers: u32,
        /// How many subscriptions each customer has.
        #[arg(long, default_value_t = 10)]
        subscriptions_per_customer: u32,
    },
}

#[derive(Subcommand)]
enum PricesCommand {
    /// Add a price list to the ones loaded before (the history is kept).
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token; prints the token alone on stdout (it is shown this once).
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// What the token is for, to tell tokens apart ("Nightly license sync").
        #[arg(long)]
        name: String,
    },
    /// List a user's tokens (never their secrets).
    List {
        #[arg(long)]
        user: String,
    },
    /// Revoke a user's live tokens of this name (or the one of this id).
    Revoke {
        #[arg(long)]
        user: String,
        #[arg(long, required_unless_present = "id")]
        name: Option<String>,
        #[arg(long, conflicts_with = "name")]
        id: Option<i32>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    // `PORTAL_LOG_FORMAT=json`: one JSON object a line, with the request's id and span fields.
    if std::env::var("PORTAL_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Import { file } => import(file).await,
        Command::ApiToken { command } => api_token(command).await,
        Command::Backup { file } => backup(file).await,
        Command::Reseller { command } => team_commands::reseller(command).await,
        Command::User { command } => team_commands::user(command).await,
        Command::Prices {
            command: PricesCommand::Import { file },
        } => import_prices(file).await,
        Command::BillingDay { reseller, day } => billing_day(reseller, day).await,
        Command::Charges {
            reseller,
            invoice_date,
            bom,
            language,
        } => charges(reseller, invoice_date, bom, language).await,
        Command::Seed {
            customers,
            subscriptions_per_customer,
        } => seed(customers, subscriptions_per_customer).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    tracing::info!(?settings, "starting");
    let host = settings
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host)
        .to_owned();
    let app = Application::build(settings).await?;
    tracing::info!("the portal is at http://{host}:{}", app.port());
    app.run_until_stopped().await.context("serving")
}

async fn import(file: PathBuf) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    // Importing into an empty database must not load the demo book first.
    settings.demo_data = false;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let book = portal::import::parse(&text, settings.clock.today()).with_context(|| {
        format!(
            "{} is not a valid book; nothing was written",
            file.display()
        )
    })?;
    let db = portal::store::connect(&settings.database_url, settings.database_pool).await?;
    let loaded = portal::store::import::load(&db, &book)
        .await
        .with_context(|| format!("loading {}; nothing was written", file.display()))?;
    println!(
        "imported {} resellers, {} users, {} customers, {} subscriptions from {}",
        loaded.resellers,
        loaded.users,
        loaded.customers,
        loaded.subscriptions,
        file.display()
    );
    Ok(())
}

async fn seed(customers: u32, per_customer: u32) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    settings.demo_data = false;
    let started = std::time::Instant::now();
    let hash = portal::password::hash(portal::seed::PASSWORD)?;
    let book = portal::seed::book(customers, per_customer, hash)?;
    let generated = started.elapsed();
    let db = portal::store::connect(&settings.database_url, settings.database_pool).await?;
    let loaded = portal::store::import::load(&db, &book)
        .await
        .context("loading the seeded book; nothing was written")?;
    // The demo's price list, so that reviews and charges have prices to show.
    let prices = portal::domain::prices::parse(portal::startup::DEMO_PRICES)?;
    portal::store::billing::load_prices(&db, &prices, settings.clock.now()).await?;
    println!(
        "seeded {} customers and {} subscriptions for reseller {} in {:.1} s (generating {:.1} s); sign in as {} / {}",
        loaded.customers,
        loaded.subscriptions,
        portal::seed::RESELLER,
        started.elapsed().as_secs_f64(),
        generated.as_secs_f64(),
        portal::seed::EMAIL,
        portal::seed::PASSWORD,
    );
    Ok(())
}

async fn api_token(command: TokenCommand) -> anyhow::Result<()> {
    use portal::domain::api_token::TokenName;
    use portal::store::{api_tokens, users};

    let mut settings = Settings::from_env()?;
    settings.demo_data = false;
    let db = portal::store::connect(&settings.database_url, settings.database_pool).await?;
    let user = |email: String| {
        let db = db.clone();
        async move {
            users::credentials(&db, &email)
                .await?
                .map(|c| c.user_id)
                .with_context(|| format!("no user {email:?}"))
        }
    };
    match command {
        TokenCommand::Create { user: email, name } => {
            let name = TokenName::parse(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let user_id = user(email).await?;
            let (_, secret) = api_tokens::issue(&db, user_id, &name).await?;
            println!("{}", secret.expose());
        }
        TokenCommand::List { user: email } => {
            for t in api_tokens::of_user(&db, user(email).await?).await? {
                println!(
                    "{}\t{}\t{}…\tcreated {}\tlast used {}\t{}",
                    t.id,
                    t.name,
                    t.hint,
                    t.created_at.to_rfc3339(),
                    t.last_used_at
                        .map_or("never".to_owned(), |at| at.to_rfc3339()),
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "live"
                    },
                );
            }
        }
        TokenCommand::Revoke {
            user: email,
            name,
            id,
        } => {
            let user_id = user(email).await?;
            let ids: Vec<i32> = match id {
                Some(id) => vec![id],
                None => api_tokens::of_user(&db, user_id)
                    .await?
                    .into_iter()
                    .filter(|t| t.revoked_at.is_none() && Some(&t.name) == name.as_ref())
                    .map(|t| t.id)
                    .collect(),
            };
            let mut revoked = 0;
            for id in ids {
                if api_tokens::revoke(&db, user_id, id).await? {
                    revoked += 1;
                }
            }
            if revoked == 0 {
                anyhow::bail!("no live token to revoke");
            }
            println!("revoked {revoked} token(s)");
        }
    }
    Ok(())
}

/// The settings of a command: the database as configured, never the demo book.
async fn command_database() -> anyhow::Result<(Settings, portal::store::Db)> {
    let mut settings = Settings::from_env()?;
    settings.demo_data = false;
    let db = portal::store::connect(&settings.database_url, settings.database_pool).await?;
    Ok((settings, db))
}

async fn import_prices(file: PathBuf) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let rows = portal::domain::prices::parse(&text).with_context(|| {
        format!(
            "{} is not a valid price list; nothing was written",
            file.display()
        )
    })?;
    let (settings, db) = command_database().await?;
    let loaded = portal::store::billing::load_prices(&db, &rows, settings.clock.now()).await?;
    println!("loaded {loaded} prices from {}", file.display());
    Ok(())
}

fn reseller_id(raw: &str) -> anyhow::Result<portal::domain::ResellerId> {
    portal::domain::ResellerId::parse(raw).map_err(|e| anyhow::anyhow!("reseller {raw:?} {e}"))
}

async fn billing_day(reseller: String, day: String) -> anyhow::Result<()> {
    let id = reseller_id(&reseller)?;
    let day = portal::domain::billing::BillingDay::parse(&day)
        .with_context(|| format!("{day:?} is not a day from 1 to 28"))?;
    let (_, db) = command_database().await?;
    if !portal::store::billing::set_billing_day(&db, &id, day).await? {
        anyhow::bail!("no reseller {reseller:?}");
    }
    println!("reseller {reseller} is billed on the {day}th of each month");
    Ok(())
}

async fn charges(
    reseller: String,
    date: String,
    bom: bool,
    language: String,
) -> anyhow::Result<()> {
    let lang = match language.as_str() {
        "en-US" | "zh-CN" => language.as_str(),
        other => anyhow::bail!("{other:?} is not a language of the portal: en-US or zh-CN"),
    };
    use std::io::Write as _;
    let id = reseller_id(&reseller)?;
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .with_context(|| format!("{date:?} is not a date like 2026-08-15"))?;
    let (_, db) = command_database().await?;
    let file = portal::charges::ChargesFile::open(&db, &id, date).await?;
    let mut out = std::io::stdout().lock();
    let header = if bom {
        portal::domain::spreadsheet::CsvWriter::file(&portal::charges::CSV_HEADER)?
    } else {
        portal::domain::spreadsheet::CsvWriter::unmarked(&portal::charges::CSV_HEADER)?
    };
    out.write_all(&header.into_bytes()?)?;
    // Written a stretch at a time, as the page's download is; the offers without a price are
    // named once the whole file is out.
    let (mut after, mut missing) = (None, Vec::new());
    loop {
        let stretch = file.stretch(&db, after.as_ref()).await?;
        out.write_all(&portal::charges::csv_lines(&stretch.invoice, lang)?)?;
        for offer in stretch.invoice.missing_prices {
            if !missing.contains(&offer) {
                missing.push(offer);
            }
        }
        match stretch.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    out.flush()?;
    missing.sort();
    for offer in &missing {
        eprintln!(
            "warning: {} has no price; its charges are left out",
            offer.as_str()
        );
    }
    Ok(())
}

async fn backup(file: PathBuf) -> anyhow::Result<()> {
    let (_, db) = command_database().await?;
    portal::store::backup(&db, &file).await?;
    println!("backed up the database to {}", file.display());
    Ok(())
}
