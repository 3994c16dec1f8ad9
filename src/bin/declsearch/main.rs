//! `declsearch`: the command-line front of the declsearch library.
//!
//! A thin layer: argument parsing (clap), output (human or JSON lines), exit codes. Exit codes:
//! 0 when something matched, 1 when nothing did, 2 on any error.

mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use declsearch::search::eval::Ranking;
use declsearch::{Index, Lang, SearchOptions, UpdateOptions, UpdateReport, UserDict};

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
    #[command(after_help = query_help())]
    Search(SearchArgs),
    /// Show what a query becomes: cleanup, folding, segmentation, expansions, and the query
    /// that runs.
    #[command(after_help = query_help())]
    Explain(ExplainArgs),
    /// Measure ranking quality: MRR@10, Recall@10, nDCG@10 over judged queries.
    Eval(EvalArgs),
    /// Bring the index in step with the corpus: index added and changed files, drop removed
    /// ones, leave the rest.
    Index(IndexArgs),
}

/// The search help's epilogue: the query syntax from its one source
/// ([`declsearch::query::SYNTAX`]), then what the syntax cannot show.
fn query_help() -> String {
    let mut help = String::from("Query syntax:\n");
    for (item, meaning) in declsearch::query::SYNTAX {
        // Han characters take two columns of a terminal.
        let width: usize = item
            .chars()
            .map(|c| 1 + usize::from(declsearch::text::is_han(c)))
            .sum();
        let pad = " ".repeat(27usize.saturating_sub(width));
        help.push_str(&format!("  {item}{pad}{meaning}\n"));
    }
    help.push_str(
        "  --all                      every word and phrase must occur
Chinese may be typed in simplified or traditional characters. A word also matches inside a
longer word (互利 in 平等互利, 人民共和国 in 中华人民共和国), ranked below the whole word. English
words are case-folded and stemmed (cities = city); stop words (the, of, what, ...) are left
out of optional words when other words remain. A question or sentence (a question mark, a
long unspaced sentence, or more than five words) is ranked by score alone, not by how many
words are present.

Exit codes: 0 hits found, 1 no hit, 2 error.",
    );
    help
}

#[derive(clap::Args)]
struct SearchArgs {
    /// The query: words and "quoted phrases" (see below; `-word` needs no `--`).
    #[arg(
        required_unless_present = "queries",
        conflicts_with = "queries",
        allow_hyphen_values = true
    )]
    query: Option<String>,
    /// Run every query of a file of `qid<TAB>query` lines instead.
    #[arg(long, value_name = "FILE")]
    queries: Option<PathBuf>,
    /// Output of a --queries run: hit objects with a "qid" (json), or TREC run lines
    /// `qid Q0 docid rank score declsearch` ranking documents by their best passage (trec).
    #[arg(long, value_enum, requires = "queries")]
    format: Option<BatchFormat>,
    #[command(flatten)]
    location: Location,
    /// Show at most N passages.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
    #[command(flatten)]
    scope: Scope,
    /// One JSON object per hit and line, instead of text.
    #[arg(long)]
    json: bool,
    /// Add each hit's score breakdown.
    #[arg(long)]
    explain: bool,
    /// Show each hit's translation when the corpus holds one (language columns of a .tsv
    /// row, .jsonl records or files such as x.en.txt / x.zh.txt sharing an id).
    #[arg(long)]
    parallel: bool,
    /// When to colour the highlights.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(clap::Args)]
#[command(after_help = INDEX_HELP)]
struct IndexArgs {
    /// Corpus folder (walked recursively) or file; may be repeated.
    #[arg(long, default_value = "corpus")]
    corpus: Vec<PathBuf>,
    /// Index folder.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Rebuild from scratch in a new generation, swapped in atomically.
    #[arg(long)]
    full: bool,
    /// User dictionary (jieba format: `word [freq [tag]]` a line). Recorded in the index:
    /// later runs and searches use it without the flag. Changing it needs --full.
    #[arg(long, value_name = "FILE")]
    dict: Option<PathBuf>,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

const INDEX_HELP: &str = "\
Formats: .txt, .md, .html/.htm, .jsonl (id, text, title?, lang?), .tsv with a header (id or
key columns; a text column or language columns such as zh and en). A language tag before the
extension (x.en.txt, x.zh-Hant.md) sets the language. Other files are skipped with a warning.

Exit codes: 0 done, 2 error; also 2 when a file could not be read or parsed (it is named, its
previous version stays indexed, and everything else is committed).";

#[derive(clap::Args)]
struct ExplainArgs {
    /// The query.
    #[arg(allow_hyphen_values = true)]
    query: String,
    #[command(flatten)]
    location: Location,
    #[command(flatten)]
    scope: Scope,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

/// Which passages a search considers.
#[derive(clap::Args)]
struct Scope {
    /// Only passages in this language.
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Require every word and phrase, as if each had a +.
    #[arg(long)]
    all: bool,
    /// Read words of letters as toneless pinyin too (as py:word), for the Chinese words the
    /// index holds: jianpin, "jian pin", youcheng.
    #[arg(long)]
    pinyin: bool,
    /// Also search each word's translations (English to Chinese, Chinese to English, from
    /// CC-CEDICT); each hit says which one matched ("via" in JSON).
    #[arg(long)]
    cross: bool,
}

/// Where the index is, and the corpus to build it from when it does not exist yet.
#[derive(clap::Args)]
struct Location {
    /// Index folder.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Corpus folder or file, indexed when the index does not exist yet.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
}

impl Scope {
    /// The search options this scope sets; the rest are the defaults.
    fn options(&self) -> SearchOptions {
        SearchOptions {
            lang: self.lang,
            all: self.all,
            pinyin: self.pinyin,
            cross: self.cross,
            ..SearchOptions::default()
        }
    }
}

impl SearchArgs {
    fn options(&self) -> SearchOptions {
        SearchOptions {
            limit: self.limit as usize,
            explain: self.explain,
            parallel: self.parallel,
            ..self.scope.options()
        }
    }
}

#[derive(clap::Args)]
struct EvalArgs {
    /// Queries: `qid<TAB>query` lines.
    #[arg(long, value_name = "FILE")]
    queries: PathBuf,
    /// Judgments: TREC qrels lines `qid 0 docid relevance`.
    #[arg(long, value_name = "FILE")]
    qrels: PathBuf,
    /// Index folder.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Print the measures as one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    scope: Scope,
}

#[derive(Clone, Copy, ValueEnum)]
enum BatchFormat {
    Json,
    Trec,
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

/// How a command ended, short of an error.
enum Outcome {
    Matched,
    NoMatch,
    /// Done, but some input failed and was named on stderr.
    PartlyFailed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Search(args) if args.queries.is_some() => search_batch(args),
        Command::Search(args) => search(args),
        Command::Eval(args) => eval(args),
        Command::Explain(args) => explain(args),
        Command::Index(args) => index(args),
    };
    match outcome {
        Ok(Outcome::Matched) => ExitCode::SUCCESS,
        Ok(Outcome::NoMatch) => ExitCode::from(1),
        Ok(Outcome::PartlyFailed) => ExitCode::from(2),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("declsearch: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn search(args: SearchArgs) -> anyhow::Result<Outcome> {
    let query = args.query.clone().unwrap_or_default();
    declsearch::Query::check_syntax(&query)?;
    let Some(index) = open_or_build(&args.location)? else {
        return Ok(Outcome::PartlyFailed);
    };
    let options = args.options();
    let hits = index
        .search(&query, &options)
        .with_context(|| format!("searching {query:?}"))?;
    if args.json {
        output::json_lines(&hits)?;
    } else {
        output::human(&hits, args.color.into())?;
    }
    Ok(if hits.is_empty() {
        Outcome::NoMatch
    } else {
        Outcome::Matched
    })
}

fn search_batch(args: SearchArgs) -> anyhow::Result<Outcome> {
    let options = args.options();
    let path = args.queries.expect("a --queries run");
    let queries = declsearch::search::eval::read_queries(&path)?;
    let Some(index) = open_or_build(&args.location)? else {
        return Ok(Outcome::PartlyFailed);
    };
    let format = args.format.unwrap_or(BatchFormat::Json);
    let ranking = match format {
        BatchFormat::Json => Ranking::Passages,
        BatchFormat::Trec => Ranking::Documents,
    };
    let results = index.search_batch(&queries, &options, ranking);
    let mut failed = false;
    let mut out = output::Lines::stdout();
    for (line, result) in queries.iter().zip(results) {
        match result {
            Ok(hits) => match format {
                BatchFormat::Json => out.hits_with_qid(&line.qid, &hits)?,
                BatchFormat::Trec => out.trec(&line.qid, &hits)?,
            },
            Err(err) => {
                failed = true;
                eprintln!(
                    "declsearch: error: query {} ({}:{}) skipped: {err}",
                    line.qid,
                    path.display(),
                    line.line
                );
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        Outcome::PartlyFailed
    } else {
        Outcome::Matched
    })
}

fn explain(args: ExplainArgs) -> anyhow::Result<Outcome> {
    declsearch::Query::check_syntax(&args.query)?;
    let Some(index) = open_or_build(&args.location)? else {
        return Ok(Outcome::PartlyFailed);
    };
    let options = args.scope.options();
    let report = index.explain_query(&args.query, &options)?;
    if args.json {
        output::json_line(&report)?;
    } else {
        output::query_report(&report)?;
    }
    Ok(Outcome::Matched)
}

fn eval(args: EvalArgs) -> anyhow::Result<Outcome> {
    let queries = declsearch::search::eval::read_queries(&args.queries)?;
    let qrels = declsearch::search::eval::read_qrels(&args.qrels)?;
    let index = Index::open(&args.index)?;
    let options = args.scope.options();
    let (measures, failed) = index.evaluate(&queries, &qrels, &options);
    for (line, err) in &failed {
        eprintln!(
            "declsearch: error: query {} ({}:{}) counted as no hit: {err}",
            line.qid,
            args.queries.display(),
            line.line
        );
    }
    if args.json {
        output::json_line(&measures)?;
    } else {
        println!(
            "queries {}  MRR@10 {:.4}  Recall@10 {:.4}  nDCG@10 {:.4}  no hit {}",
            measures.queries, measures.mrr, measures.recall, measures.ndcg, measures.no_hit
        );
    }
    Ok(Outcome::Matched)
}

/// The index, built first if there is none; `None` if building it met files that failed
/// (named on stderr; the next search uses what was indexed).
fn open_or_build(location: &Location) -> anyhow::Result<Option<Index>> {
    let (dir, corpus) = (&location.index, &location.corpus);
    let (index, report) = Index::open_or_build(dir, std::slice::from_ref(corpus))?;
    if let Some(report) = report {
        eprintln!(
            "declsearch: built the index in {} from {}",
            dir.display(),
            corpus.display()
        );
        report_skipped(&report);
        eprintln!("{}", summary(&report));
        if report.has_failures() {
            return Ok(None);
        }
    }
    Ok(Some(index))
}

fn index(args: IndexArgs) -> anyhow::Result<Outcome> {
    let user_dict = match &args.dict {
        Some(path) => Some(UserDict::read(path)?),
        None => None,
    };
    let options = UpdateOptions {
        full: args.full,
        user_dict,
    };
    let bar = progress::Bar::new();
    let report = Index::update(&args.index, &args.corpus, &options, &bar);
    bar.finish();
    let report = report?;
    report_skipped(&report);
    eprintln!("{}", summary(&report));
    if args.json {
        output::json_line(&report)?;
    }
    Ok(if report.has_failures() {
        Outcome::PartlyFailed
    } else {
        Outcome::Matched
    })
}

fn report_skipped(report: &UpdateReport) {
    for skipped in &report.skipped_files {
        let kind = if skipped.failed { "error" } else { "warning" };
        eprintln!(
            "declsearch: {kind}: skipped {}: {}",
            skipped.path.display(),
            skipped.reason
        );
    }
}

fn summary(report: &UpdateReport) -> String {
    format!(
        "declsearch: {} added, {} updated, {} removed, {} unchanged, {} skipped; \
         the index holds {} passages of {} documents ({:.2} s)",
        report.added,
        report.updated,
        report.removed,
        report.unchanged,
        report.skipped,
        report.passages,
        report.documents,
        report.seconds
    )
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
