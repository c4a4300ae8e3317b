//! `bitu check-config`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

/// Options of `bitu check-config`.
#[derive(Args)]
pub struct CheckConfigArgs {
    /// File to check (default: the --config file).
    file: Option<PathBuf>,
}

/// Prints every problem of the file as `FILE:LINE: KEY: MESSAGE`; exit 1 when there is one.
pub fn run(config: &Path, args: CheckConfigArgs) -> Result<ExitCode, String> {
    let path = args.file.as_deref().unwrap_or(config);
    let problems = bitu_core::config::check_file(path);
    if problems.is_empty() {
        println!("{}: OK", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        let location = match problem.line {
            Some(line) => format!("{}:{line}", path.display()),
            None => path.display().to_string(),
        };
        let key = problem
            .key
            .as_deref()
            .map(|k| format!("{k}: "))
            .unwrap_or_default();
        println!("{location}: {key}{}", problem.message);
    }
    Ok(ExitCode::FAILURE)
}
