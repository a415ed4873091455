//! Command-line interface. Parsed with `try_parse` so that bad usage exits 64 (EX_USAGE) with
//! clap's message as one error, not clap's default 2, which is a verdict code here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "hostcap",
    version,
    // `--version` names the commit (build.rs); `-V` and the man pages name the release.
    long_version = env!("HOSTCAP_LONG_VERSION"),
    about = "Can this host run rootless containers and sandboxes? If not: why not, and what to do instead.",
    after_help = "Exit codes (for --require, default rootless-podman): 0 ready, 1 degraded, 2 blocked, 3 unknown, 64 bad usage, 70 internal error."
)]
pub struct Cli {
    #[command(flatten)]
    pub check: CheckArgs,
    /// When to use colour (NO_COLOR and CLICOLOR_FORCE are honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check this host (the default command).
    Check(CheckArgs),
    /// Explain a finding id or a target in full.
    Explain {
        /// A finding id (e.g. lsm.safesetid_constrains_uid) or a target (e.g. rootless-podman).
        id: String,
    },
    /// List every finding id and target.
    List,
    /// Write a support bundle: the report and exactly what the check read, redacted, as one
    /// .tar.gz that `hostcap check --from FILE` replays on another machine.
    Bundle(BundleArgs),
    /// Summarize many hosts' reports (`check --json` files, folders of them, bundles) in
    /// one table of verdicts and the causes the hosts share.
    Summarize {
        /// Reports, support bundles, or folders holding them.
        #[arg(required = true, value_name = "FILE|DIR")]
        inputs: Vec<PathBuf>,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    /// Print the report as JSON (schema hostcap/report/v2); the same as --format json.
    #[arg(long, global = true)]
    pub json: bool,
    /// How to print the report: for people, as JSON (hostcap/report/v2), as node_exporter
    /// textfile-collector metrics, or as a Nagios plugin's line.
    #[arg(long, value_enum, value_name = "FORMAT", global = true)]
    pub format: Option<Format>,
    /// Read files only; run no experiments.
    #[arg(long, global = true, conflicts_with = "from")]
    pub passive: bool,
    /// Check a recorded host instead of this one: a folder (a fixture, an unpacked bundle) or
    /// a bundle's .tar.gz.
    #[arg(long, value_name = "DIR|FILE", global = true)]
    pub from: Option<PathBuf>,
    /// The target whose verdict sets the exit code.
    #[arg(long, value_name = "TARGET", value_parser = target_names(), default_value = "rootless-podman", global = true)]
    pub require: String,
    /// Print nothing; only the exit code answers.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show every finding, the passing ones too, with evidence.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// As root: judge for this user (their ids, groups and login environment; the experiments
    /// run as them).
    #[arg(long, value_name = "NAME", global = true, conflicts_with_all = ["uid", "from"])]
    pub user: Option<String>,
    /// As root: judge for the user with this uid (like --user).
    #[arg(long, value_name = "UID", global = true, conflicts_with = "from")]
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct BundleArgs {
    /// Where to write the bundle; `-` for stdout. Default: hostcap-DATE.tar.gz here.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep user names, the host name, addresses and environment values as they are.
    #[arg(long)]
    pub no_redact: bool,
}

impl CheckArgs {
    /// The format asked for: `--json` is `--format json`, and the two must not disagree.
    pub fn output_format(&self) -> Result<Format, String> {
        match (self.json, self.format) {
            (true, Some(format)) if format != Format::Json => Err(format!(
                "--json and --format {} ask for different formats",
                format.name()
            )),
            (true, _) => Ok(Format::Json),
            (false, format) => Ok(format.unwrap_or(Format::Human)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The report for people (the default).
    Human,
    /// The report as JSON, schema hostcap/report/v2.
    Json,
    /// node_exporter textfile-collector metrics: verdicts, findings, when the check ran.
    Prometheus,
    /// One Nagios plugin line with perfdata; the exit code is the plugin state.
    Nagios,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Prometheus => "prometheus",
            Format::Nagios => "nagios",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn target_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(hostcap_probes::Target::ALL.map(|t| t.name()))
}
