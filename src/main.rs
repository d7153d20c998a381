use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use portal::config::Settings;
use portal::startup::Application;

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

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Import { file } => import(file).await,
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
    let book = portal::import::parse(&text).with_context(|| {
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
