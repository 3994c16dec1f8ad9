//! `declsearch`: the command-line front of the declsearch library.
//!
//! A thin layer: argument parsing (clap), output (human or JSON lines), exit codes. Exit codes:
//! 0 when something matched, 1 when nothing did, 2 on any error.

mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use declsearch::{Index, Lang, SearchOptions};

#[derive(Parser)]
#[command(
    name = "declsearch",
    version,
    about = "Bilingual (Chinese + English) passage search for declarations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Search the index; builds it from the corpus first when there is none yet.
    #[command(after_help = QUERY_HELP)]
    Search(SearchArgs),
    /// Build the index from the corpus, replacing the existing one atomically.
    Index(IndexArgs),
}

const QUERY_HELP: &str = "\
Query syntax:
  word word ...   passages matching any word; those matching more words rank first
  \"a phrase\"      words in this order, next to each other
Chinese may be typed in simplified or traditional characters; English words are case-folded
and stemmed (cities = city).

Exit codes: 0 hits found, 1 no hit, 2 error.";

#[derive(clap::Args)]
struct SearchArgs {
    /// The query: words and "quoted phrases".
    query: String,
    /// Index folder.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Corpus folder or file, indexed when the index does not exist yet.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Show at most N passages.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
    /// Only passages in this language.
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// One JSON object per hit and line, instead of text.
    #[arg(long)]
    json: bool,
    /// When to colour the highlights.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(clap::Args)]
struct IndexArgs {
    /// Corpus folder or file; may be repeated.
    #[arg(long, default_value = "corpus")]
    corpus: Vec<PathBuf>,
    /// Index folder.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Search(args) => search(args),
        Command::Index(args) => index(args).map(|()| true),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("declsearch: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Returns whether anything matched.
fn search(args: SearchArgs) -> anyhow::Result<bool> {
    declsearch::Query::parse(&args.query)?;
    let index = open_or_build(&args.index, &args.corpus)?;
    let options = SearchOptions {
        limit: args.limit as usize,
        lang: args.lang,
    };
    let hits = index
        .search(&args.query, &options)
        .with_context(|| format!("searching {:?}", args.query))?;
    if args.json {
        output::json_lines(&hits)?;
    } else {
        output::human(&hits, args.color.into())?;
    }
    Ok(!hits.is_empty())
}

fn open_or_build(dir: &Path, corpus: &Path) -> anyhow::Result<Index> {
    let (index, report) = Index::open_or_build(dir, &[corpus.to_path_buf()])?;
    if let Some(report) = report {
        eprintln!(
            "declsearch: built the index in {} from {}: {} passages of {} documents in {:.2} s",
            dir.display(),
            corpus.display(),
            report.passages,
            report.documents,
            report.seconds
        );
    }
    Ok(index)
}

fn index(args: IndexArgs) -> anyhow::Result<()> {
    let report = Index::build(&args.index, &args.corpus)?;
    eprintln!(
        "declsearch: indexed {} passages of {} documents into {} in {:.2} s",
        report.passages,
        report.documents,
        args.index.display(),
        report.seconds
    );
    if args.json {
        output::json_line(&report)?;
    }
    Ok(())
}

impl From<ColorWhen> for anstream::ColorChoice {
    fn from(when: ColorWhen) -> Self {
        match when {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}
