//! Search: run a query against an index, rank its passages, render the hits.
//!
//! Scores are BM25 over the whole index (both languages share the word field; Han text also
//! has fields of character bigrams and of single characters). What a query contributes, and
//! how the passages are ranked, is its [`Plan`] (see [`plan`]): one tree that builds the
//! tantivy query and the `explain` lines alike, run in a single pass.

pub mod counterpart;
pub mod eval;
pub mod explain;
#[doc(hidden)] // reached by the property tests and fuzz targets; hits carry highlights
pub mod highlight;
pub mod hybrid;
pub mod plan;
pub mod rank;
pub mod snippet;
mod tier;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Query as TantivyQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, TantivyDocument, Term};

use crate::error::{Error, Result};

use crate::index::{Fields, Index, StoredPassage};
use crate::query::{Clause, Query};
use crate::text::Lang;
use eval::{Measures, Qrels, QueryLine, Ranking};
use explain::QueryReport;
pub use rank::{Candidate, LexicalRanker, Ranker};

/// How to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// At most this many hits: any value (0 gives none; a limit above the passages the
    /// index holds costs no more than one equal to them).
    pub limit: usize,
    /// Skip this many of the best hits first (the next page: `offset` = hits shown so far):
    /// any value; past the last hit, a page is empty.
    pub offset: usize,
    /// Width of a hit's snippet in display columns ([`snippet`]); below 20 counts as 20.
    pub context: usize,
    /// Only passages in this language.
    pub lang: Option<Lang>,
    /// Require every word and phrase (as if each had a `+`).
    pub all: bool,
    /// Attach each hit's score breakdown ([`Hit::explain`]).
    pub explain: bool,
    /// Attach each hit's translation, when the corpus holds one ([`Hit::parallel`]).
    pub parallel: bool,
    /// Expand each word to its translations: English to Chinese and Chinese to English
    /// ([`crate::query::cross`]); each hit says which translation matched ([`Hit::via`]).
    pub cross: bool,
    /// Read every unquoted word of letters as pinyin too, as if typed `py:word`, joining
    /// neighbours (`jian pin`) where the index holds a form of the joined letters.
    pub pinyin: bool,
    /// Rank by meaning too: fuse the cosine of the query's and the passages' embeddings with
    /// the lexical score ([`hybrid`]). Needs an index with vectors (`index --semantic`) and
    /// the model.
    pub semantic: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            offset: 0,
            context: snippet::DEFAULT_WIDTH,
            lang: None,
            all: false,
            explain: false,
            parallel: false,
            pinyin: false,
            cross: false,
            semantic: false,
        }
    }
}

pub use plan::{
    Plan, BIGRAM_WEIGHT, PRESENCE_WEIGHT, QUESTION_BAG_WEIGHT, TIER, TITLE_WEIGHT, UNIGRAM_WEIGHT,
    WORD_WEIGHT,
};

/// One ranked passage; serialises to the `--json` line of the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// Ranking score: BM25, plus [`TIER`] for each unit or whole clause of a keyword query
    /// present in the passage (see [`plan`]).
    pub score: f32,
    /// Document id.
    pub doc: String,
    /// The source file, relative to the corpus root it was found under (`/`-separated; the
    /// file name for a corpus given as one file).
    #[serde(default)]
    pub path: String,
    /// 1-based passage number within the document.
    pub passage: u32,
    pub lang: Lang,
    /// 1-based line of the passage's first character; in a paged format (PDF), the line of
    /// its page.
    pub line: u32,
    /// 1-based page of a passage of a paged format (PDF); absent for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The document's title (`.jsonl` `title`, a `.tsv` `title` column); absent when it has
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The passage exactly as in the source file.
    pub text: String,
    /// Matched words as `[start, end)` byte ranges of `text`: sorted, non-overlapping, on char
    /// boundaries.
    pub highlights: Vec<(usize, usize)>,
    /// The parts of `text` around the matches, with their highlights ([`snippet`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<snippet::Snippet>,
    /// The score's breakdown (tantivy's explanation tree), with [`SearchOptions::explain`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<serde_json::Value>,
    /// The passage in the other language, with [`SearchOptions::parallel`], when the corpus
    /// holds a translation (see [`crate::search::counterpart`]); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel: Option<crate::Counterpart>,
    /// In a semantic search, the scores fused into [`Hit::score`] and the weight of meaning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<hybrid::Fusion>,
    /// For a query with expansions (`--cross`, pinyin): each `[typed, form]` through which
    /// the passage matched a clause that it does not match as typed; empty when it matched
    /// directly. Absent for a query without expansions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Vec<(String, String)>>,
}

/// A view of an index for searching, as in tantivy's read/write split: an [`Index`] opens a
/// generation, a `Searcher` searches it, and [`Index::update`] writes the next one. Every
/// search through one `Searcher` reads the same passages, so the pages of a query agree.
/// Cheap to get ([`Index::searcher`]) and to keep.
pub struct Searcher<'a> {
    pub(crate) index: &'a Index,
    pub(crate) snapshot: tantivy::Searcher,
    ranker: Box<dyn Ranker + 'a>,
    /// The last title looked up, by document and source: a listing's passages share it.
    last_title: std::sync::Mutex<Option<(String, String, Option<String>)>>,
    /// The last query embedded, with its text: a semantic search and its count share it.
    last_embedding: std::sync::Mutex<Option<(String, std::sync::Arc<Vec<f32>>)>>,
}

impl<'a> Searcher<'a> {
    /// A view of `index` as it is now, ranking with [`LexicalRanker`].
    pub fn new(index: &'a Index) -> Searcher<'a> {
        Searcher {
            index,
            snapshot: index.reader.searcher(),
            ranker: Box::new(LexicalRanker),
            last_title: Default::default(),
            last_embedding: Default::default(),
        }
    }

    /// The same view, ranking with `ranker` instead.
    pub fn with_ranker(self, ranker: impl Ranker + 'a) -> Searcher<'a> {
        Searcher {
            ranker: Box::new(ranker),
            ..self
        }
    }

    /// The index this searches.
    pub fn index(&self) -> &'a Index {
        self.index
    }

    /// Parse `input` and expand it (pinyin, translations) against this view of the index
    /// (see [`Query::parse`] for the syntax).
    pub fn parse_query(&self, input: &str, options: &SearchOptions) -> Result<Query> {
        let expander = crate::query::expand::Expander {
            index: self.index,
            snapshot: &self.snapshot,
        };
        let query = expander.parse(input, options)?;
        for id in &query.docs {
            self.check_document(id)?;
        }
        Ok(query)
    }

    /// An error naming the nearest known ids unless the index holds document `id`.
    fn check_document(&self, id: &str) -> Result<()> {
        let term = tantivy::Term::from_field_text(self.index.fields.doc, id);
        let known = self
            .snapshot
            .doc_freq(&term)
            .map_err(Error::tantivy(&self.index.dir))?;
        if known > 0 {
            return Ok(());
        }
        let mut nearest: Vec<(usize, String)> = Vec::new();
        let (doc, dir) = (self.index.fields.doc, &self.index.dir);
        crate::index::each_term(&self.snapshot, doc, dir, |other, _| {
            // Ids that hold the typed one come first, then by edit distance.
            let distance = match other.contains(id) || id.contains(other) {
                true => other.len().abs_diff(id.len()),
                false => 1 << 20 | edit_distance(id, other),
            };
            let closer = nearest.len() < 3 || distance < nearest[nearest.len() - 1].0;
            if closer && nearest.iter().all(|(_, known)| known != other) {
                nearest.push((distance, other.to_owned()));
                nearest.sort();
                nearest.truncate(3);
            }
        })?;
        Err(Error::UnknownDocument {
            id: id.to_owned(),
            nearest: nearest.into_iter().map(|(_, id)| id).collect(),
        })
    }

    /// The passages of document `id` in order: what `declsearch show` prints.
    pub fn document(&self, id: &str) -> Result<Vec<Hit>> {
        self.check_document(id)?;
        let query = Query {
            clauses: Vec::new(),
            lang: None,
            docs: vec![id.to_owned()],
            dropped: Vec::new(),
            semantic_text: String::new(),
        };
        let options = SearchOptions {
            limit: usize::MAX,
            ..SearchOptions::default()
        };
        self.list(&query, &options)
    }

    /// The passages of the documents a listing query names, in the order named and then by
    /// passage, less those it excludes; `options` pages them.
    fn list(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        let plan = Plan::new(query, options);
        let addresses = self
            .snapshot
            .search(
                plan.matching(&self.index.fields).as_ref(),
                &tantivy::collector::DocSetCollector,
            )
            .map_err(Error::tantivy(&self.index.dir))?;
        let mut passages = addresses
            .into_iter()
            .map(|address| self.stored(address))
            .collect::<Result<Vec<_>>>()?;
        let order = |p: &StoredPassage| query.docs.iter().position(|d| *d == p.doc);
        passages.sort_by_key(|p| (order(p), p.passage));
        passages
            .into_iter()
            .skip(options.offset)
            .take(options.limit)
            .enumerate()
            .map(|(i, stored)| self.shown(options.offset + i + 1, 0.0, stored, &[], options))
            .collect()
    }

    /// What `input` becomes and the plan that runs, as [`Searcher::search`] would run it.
    pub fn explain_query(&self, input: &str, options: &SearchOptions) -> Result<QueryReport> {
        let query = self.parse_query(input, options)?;
        Ok(explain::report(input, &query, options))
    }

    /// Search for `query` (see [`Query::parse`] for the syntax).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>> {
        let query = self.parse_query(query, options)?;
        self.search_parsed(&query, options)
    }

    /// Run many queries on all cores; results come in the queries' order.
    pub fn search_batch(
        &self,
        queries: &[QueryLine],
        options: &SearchOptions,
        ranking: Ranking,
    ) -> Vec<Result<Vec<Hit>>> {
        eval::search_batch(self, queries, options, ranking)
    }

    /// Rank documents for every query and measure the run against `qrels`. Queries that
    /// fail to parse are returned with their error and count as queries with no hit.
    pub fn evaluate(
        &self,
        queries: &[QueryLine],
        qrels: &Qrels,
        options: &SearchOptions,
    ) -> (Measures, Vec<(QueryLine, Error)>) {
        eval::evaluate(self, queries, qrels, options)
    }

    /// Search with a query already parsed.
    pub fn search_parsed(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        if query.lists_documents() {
            return self.list(query, options);
        }
        let index = self.index;
        let plan = Plan::new(query, options);
        let wanted = options.offset.saturating_add(options.limit);
        let mut ranked = self.rank(&plan, wanted)?;
        ranked.drain(..options.offset.min(ranked.len()));
        // The whole plan's query scores as the run that ranked did (see `LexicalRanker`).
        let explained = options.explain.then(|| plan.query(&index.fields));
        ranked
            .into_iter()
            .enumerate()
            .map(|(i, candidate)| {
                let address = candidate.address;
                let stored = self.stored(address)?;
                let rank = options.offset + i + 1;
                let mut hit = self.shown(rank, candidate.score, stored, &query.clauses, options)?;
                hit.semantic = candidate.semantic;
                if let Some(explained) = &explained {
                    // A passage found by meaning alone has no lexical explanation.
                    match explained.explain(&self.snapshot, address) {
                        Ok(explanation) => hit.explain = serde_json::to_value(explanation).ok(),
                        Err(_) if candidate.semantic.is_some() => {}
                        Err(err) => return Err(Error::tantivy(&index.dir)(err)),
                    }
                }
                Ok(hit)
            })
            .collect()
    }

    /// The best `limit` candidates of `plan`: the ranker's, fused with meaning for a
    /// semantic plan ([`hybrid`]).
    fn rank(&self, plan: &Plan, limit: usize) -> Result<Vec<Candidate>> {
        match plan.semantic {
            Some(_) => hybrid::rank(self, self.ranker.as_ref(), plan, limit),
            None => self.ranker.rank(self, plan, limit),
        }
    }

    /// The embedding of query `text`, remembered for the next call with the same text.
    pub(crate) fn query_embedding(
        &self,
        model: &crate::semantic::Model,
        text: &str,
    ) -> std::sync::Arc<Vec<f32>> {
        if let Some((last, vector)) = &*self.last_embedding.lock().expect("embedding memo") {
            if last == text {
                return vector.clone();
            }
        }
        // Embedded outside the lock: the batch's threads share this searcher.
        let vector = std::sync::Arc::new(model.embed_query(text));
        *self.last_embedding.lock().expect("embedding memo") =
            Some((text.to_owned(), vector.clone()));
        vector
    }

    /// How many passages are hits of `query`: what paging through [`Searcher::search_parsed`]
    /// with growing offsets would show in all.
    pub fn count(&self, query: &Query, options: &SearchOptions) -> Result<usize> {
        let plan = Plan::new(query, options);
        if plan.semantic.is_some() {
            return hybrid::count(self, &plan);
        }
        self.snapshot
            .search(
                plan.matching(&self.index.fields).as_ref(),
                &tantivy::collector::Count,
            )
            .map_err(Error::tantivy(&self.index.dir))
    }

    /// [`Searcher::count`], knowing `page`: the hits [`Searcher::search_parsed`] gave for
    /// `query` and `options`. A page that is not full is the last one, and its end is the
    /// total without counting.
    pub fn total(&self, query: &Query, options: &SearchOptions, page: &[Hit]) -> Result<usize> {
        match page.len() {
            n if n > 0 && n < options.limit => Ok(options.offset + n),
            _ => self.count(query, options),
        }
    }

    /// Documents ranked by their best passage, at most `options.limit` after skipping
    /// `options.offset` of them, each with that hit.
    pub fn search_documents(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        let plan = Plan::new(query, options);
        let wanted = options.offset.saturating_add(options.limit);
        let passages = wanted.saturating_mul(10).max(100);
        let mut seen = HashSet::new();
        let mut hits = Vec::new();
        for Candidate {
            score,
            address,
            semantic,
            ..
        } in self.rank(&plan, passages)?
        {
            if seen.len() >= wanted {
                break;
            }
            let stored = self.stored(address)?;
            if seen.insert(stored.doc.clone()) && seen.len() > options.offset {
                let rank = seen.len();
                let mut hit = self.hit(rank, score, stored, &query.clauses, options)?;
                hit.semantic = semantic;
                hits.push(hit);
            }
        }
        Ok(hits)
    }

    fn stored(&self, address: DocAddress) -> Result<StoredPassage> {
        let document: TantivyDocument = self
            .snapshot
            .doc(address)
            .map_err(Error::tantivy(&self.index.dir))?;
        Ok(self.index.fields.read(&document))
    }

    /// A hit as a page shows it: [`Searcher::hit`] with its counterpart when
    /// `options.parallel` asks for it.
    fn shown(
        &self,
        rank: usize,
        score: f32,
        stored: StoredPassage,
        clauses: &[Clause],
        options: &SearchOptions,
    ) -> Result<Hit> {
        let parallel = match options.parallel {
            true => counterpart::find(self, &stored)?,
            false => None,
        };
        let mut hit = self.hit(rank, score, stored, clauses, options)?;
        hit.parallel = parallel;
        Ok(hit)
    }

    fn hit(
        &self,
        rank: usize,
        score: f32,
        stored: StoredPassage,
        clauses: &[Clause],
        options: &SearchOptions,
    ) -> Result<Hit> {
        let title = self.title(&stored)?;
        let matches = highlight::find(&stored.text, clauses, &self.index.analyzer);
        let expanded = clauses.iter().any(|c| !c.alternatives.is_empty());
        // A passage found by meaning alone shows what it shares with the query.
        let ranges = match options.semantic && matches.ranges.is_empty() {
            true => highlight::overlap(&stored.text, clauses, &self.index.analyzer),
            false => matches.ranges,
        };
        let highlights: Vec<(usize, usize)> = ranges.iter().map(|r| (r.start, r.end)).collect();
        Ok(Hit {
            rank,
            score,
            title,
            path: stored.source.clone(),
            snippet: Some(snippet::snippet(&stored.text, &highlights, options.context)),
            doc: stored.doc,
            passage: stored.passage as u32,
            lang: stored.lang.parse().unwrap_or(Lang::En),
            line: stored.line as u32,
            page: (stored.page > 0).then_some(stored.page as u32),
            text: stored.text,
            highlights,
            explain: None,
            parallel: None,
            semantic: None,
            via: expanded.then_some(matches.via),
        })
    }

    /// The title of a passage's document, stored once with its passage 1: one look-up of
    /// three terms and one stored document per hit, none in an index without titles.
    fn title(&self, passage: &StoredPassage) -> Result<Option<String>> {
        if !self.index.has_titles {
            return Ok(None);
        }
        if passage.passage == 1 {
            return Ok((!passage.title.is_empty()).then(|| passage.title.clone()));
        }
        let mut last = self.last_title.lock().expect("title memo");
        if let Some((doc, source, title)) = &*last {
            if *doc == passage.doc && *source == passage.source {
                return Ok(title.clone());
            }
        }
        let fields = &self.index.fields;
        let term = |term| -> Box<dyn TantivyQuery> {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        let first = BooleanQuery::intersection(vec![
            term(Term::from_field_text(fields.doc, &passage.doc)),
            term(Term::from_field_text(fields.source, &passage.source)),
            term(Term::from_field_u64(fields.passage, 1)),
        ]);
        let found = self
            .snapshot
            .search(&first, &TopDocs::with_limit(1).order_by_score())
            .map_err(Error::tantivy(&self.index.dir))?;
        let title = match found.first() {
            Some(&(_, address)) => Some(self.stored(address)?.title).filter(|t| !t.is_empty()),
            None => None,
        };
        *last = Some((passage.doc.clone(), passage.source.clone(), title.clone()));
        Ok(title)
    }
}

/// Levenshtein distance in characters, for the nearest document ids.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Where an expansion (a translation, a pinyin reading) occurs, as a tantivy query: what
/// query expansion counts in the index.
pub(crate) fn presence(fields: &Fields, form: &Clause) -> Box<dyn TantivyQuery> {
    plan::expansion_presence(form).build(fields)
}
