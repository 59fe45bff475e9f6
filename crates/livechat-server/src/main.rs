use clap::Parser as _;
use livechat_server::config::{Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let Cli { config, command } = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    match config.log_format {
        LogFormat::Json => subscriber.json().init(),
        LogFormat::Text => subscriber.init(),
    }
    match command {
        Some(Command::User(command)) => {
            println!("{}", livechat_server::cli::run_user(&config, command)?);
            Ok(())
        }
        None => livechat_server::serve(config).await,
    }
}
