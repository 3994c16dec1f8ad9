//! Output: human-readable hits with coloured highlights, or JSON lines.

use std::io::{self, BufWriter, Write};

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};
use declsearch::Hit;
use serde::Serialize;

const HEADER: Style = Style::new().bold();
const DOC: Style = AnsiColor::Magenta.on_default().bold();
const MATCH: Style = AnsiColor::Red.on_default().bold();

/// Hits as text: a header line per hit (`path:line`, as ripgrep, then the document id where
/// the path does not give it, the passage number, language, score and the document's title
/// if it has one), then the snippet (or
/// with `snippets` false the whole passage) with its matches highlighted. Colour goes to
/// terminals only (and never with `NO_COLOR` set), unless `choice` says otherwise.
pub fn human(hits: &[Hit], choice: ColorChoice, snippets: bool, explain: bool) -> io::Result<()> {
    let mut out = BufWriter::new(AutoStream::new(io::stdout().lock(), choice));
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let doc = match declsearch::corpus::document_id(&hit.path) == hit.doc {
            true => String::new(),
            false => format!("{} ", hit.doc),
        };
        let title = match &hit.title {
            Some(title) => format!("  — {title}"),
            None => String::new(),
        };
        writeln!(
            out,
            "{DOC}{}{DOC:#}:{}  {HEADER}{doc}#{}{HEADER:#}  {}  score {:.3}{title}",
            hit.path,
            place(hit),
            hit.passage,
            hit.lang,
            hit.score
        )?;
        let (text, highlights) = match (&hit.snippet, snippets) {
            (Some(snippet), true) => (&snippet.text, &snippet.highlights),
            _ => (&hit.text, &hit.highlights),
        };
        let mut shown = 0;
        for &(start, end) in highlights {
            write!(
                out,
                "{}{MATCH}{}{MATCH:#}",
                &text[shown..start],
                &text[start..end]
            )?;
            shown = end;
        }
        writeln!(out, "{}", &text[shown..])?;
        if let Some(parallel) = &hit.parallel {
            writeln!(
                out,
                "  {HEADER}= {} #{}  {}{HEADER:#}  {}",
                parallel.doc, parallel.passage, parallel.lang, parallel.text
            )?;
        }
        if let (Some(fusion), true) = (&hit.semantic, explain) {
            writeln!(
                out,
                "  {HEADER}fused:{HEADER:#} (1 - {w}) × words + {w} × meaning, each min-max \
                 normalised over the candidates; words {:.3}, meaning (cosine) {:.4}",
                fusion.lexical,
                fusion.dense,
                w = fusion.weight,
            )?;
        }
        if let Some(explanation) = &hit.explain {
            explanation_tree(&mut out, explanation, 1)?;
        }
    }
    out.flush()
}

/// A document's passages (`declsearch show`): a header line each (`path:line`, document and
/// passage, language), then the whole passage.
pub fn passages(passages: &[Hit]) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    for (i, hit) in passages.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{}:{}  {} #{}  {}",
            hit.path,
            place(hit),
            hit.doc,
            hit.passage,
            hit.lang
        )?;
        writeln!(out, "{}", hit.text)?;
    }
    out.flush()
}

/// Where a hit is in its file: its line, or for a PDF `p2:5` (page 2, line 5 of the page).
fn place(hit: &Hit) -> String {
    match hit.page {
        Some(page) => format!("p{page}:{}", hit.line),
        None => hit.line.to_string(),
    }
}

/// The line after the hits: `11–20 of 2,341 passages (6 ms)`.
pub fn total_line(
    options: &declsearch::SearchOptions,
    shown: usize,
    total: usize,
    took: std::time::Duration,
) -> String {
    let shown = match (options.offset, shown) {
        (0, n) => thousands(n),
        (_, 0) => "none".to_owned(),
        (offset, n) => format!("{}–{}", thousands(offset + 1), thousands(offset + n)),
    };
    let noun = if total == 1 { "passage" } else { "passages" };
    format!(
        "{shown} of {} {noun} ({} ms)",
        thousands(total),
        took.as_millis()
    )
}

/// `2341` as `2,341`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// tantivy's explanation as an indented tree: `value  description`.
fn explanation_tree(
    out: &mut impl Write,
    node: &serde_json::Value,
    depth: usize,
) -> io::Result<()> {
    let value = node["value"].as_f64().unwrap_or_default();
    let description = node["description"].as_str().unwrap_or_default();
    writeln!(
        out,
        "{:indent$}{value:>8.3}  {description}",
        "",
        indent = depth * 2
    )?;
    for child in node["details"].as_array().into_iter().flatten() {
        explanation_tree(out, child, depth + 1)?;
    }
    Ok(())
}

/// The report of `declsearch explain`.
pub fn query_report(report: &declsearch::search::explain::QueryReport) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "query:    {}", report.query)?;
    writeln!(out, "mode:     {}", report.mode)?;
    for (i, clause) in report.clauses.iter().enumerate() {
        let quoted = if clause.phrase { ", phrase" } else { "" };
        writeln!(
            out,
            "clause {}: {} ({}{quoted})",
            i + 1,
            clause.source,
            clause.occur
        )?;
        writeln!(out, "  cleaned: {}", clause.cleaned)?;
        writeln!(out, "  folded:  {}", clause.folded)?;
        writeln!(out, "  words:   {}", clause.words.join(" "))?;
        if !clause.bigrams.is_empty() {
            writeln!(out, "  bigrams: {}", clause.bigrams.join(" "))?;
            writeln!(out, "  chars:   {}", clause.chars.join(" "))?;
        }
    }
    if !report.dropped.is_empty() {
        writeln!(out, "dropped:  {}", report.dropped.join(" "))?;
    }
    writeln!(out, "expansions:")?;
    for line in &report.expansions {
        writeln!(out, "  {line}")?;
    }
    if report.expansions.is_empty() {
        writeln!(out, "  (none)")?;
    }
    writeln!(out, "runs:")?;
    for line in &report.tree {
        writeln!(out, "  {line}")?;
    }
    out.flush()
}

/// One JSON object per hit and line, in rank order.
pub fn json_lines(hits: &[Hit]) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    for hit in hits {
        serde_json::to_writer(&mut out, hit)?;
        writeln!(out)?;
    }
    out.flush()
}

/// One JSON object on a line.
pub fn json_line(value: &impl Serialize) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)
}

/// Whether an error is stdout closed early (`declsearch search x | head -1`): not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Buffered JSON or TREC lines of a batch run.
pub struct Lines {
    out: BufWriter<io::StdoutLock<'static>>,
}

#[derive(Serialize)]
struct HitWithQid<'a> {
    qid: &'a str,
    #[serde(flatten)]
    hit: &'a Hit,
}

impl Lines {
    pub fn stdout() -> Lines {
        Lines {
            out: BufWriter::new(io::stdout().lock()),
        }
    }

    /// Hit objects with an added `"qid"`, one per line.
    pub fn hits_with_qid(&mut self, qid: &str, hits: &[Hit]) -> io::Result<()> {
        for hit in hits {
            serde_json::to_writer(&mut self.out, &HitWithQid { qid, hit })?;
            writeln!(self.out)?;
        }
        Ok(())
    }

    /// TREC run lines: `qid Q0 docid rank score declsearch`.
    pub fn trec(&mut self, qid: &str, hits: &[Hit]) -> io::Result<()> {
        for hit in hits {
            writeln!(
                self.out,
                "{qid} Q0 {} {} {:.6} declsearch",
                hit.doc, hit.rank, hit.score
            )?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
