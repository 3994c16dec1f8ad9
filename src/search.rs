//! Search: run a query against an index and rank its passages.
//!
//! Scores are BM25 over the whole index (both languages share the word field; Han text also
//! has a field of character unigrams and bigrams). Ranking has one rule on top: a passage in which more of the query's
//! optional clauses are *present* (see [`crate::query`]) ranks above one with fewer. It is
//! exact, not a boost: the query runs with "at least `m` clauses present" for `m` from all
//! optional clauses down to one, each round adding the passages with exactly `m` in score
//! order, and a last round adds passages where no clause is present but some of the clauses'
//! words or bigrams occur (the **bag**), which is how a question typed as one unspaced
//! sentence is answered. Required (`+`, `--all`) and excluded (`-`) clauses and the filters
//! hold in every round.
//!
//! A query that reads as a question or a sentence ([`Query::is_question`]) skips the presence
//! rounds: it matches passages where any of its bag occurs and ranks them by score alone, so a
//! number typed apart from the sentence (`2015 赛季黑豹队的防守被拦截了多少次？`) cannot outrank
//! what the sentence is about, and a sentence never present as a whole still finds its answer.
//! Presence still adds to the score.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query as TantivyQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::highlight;
use crate::index::{Fields, Index, StoredPassage};
use crate::passage::Lang;
use crate::query::{Clause, Occur as ClauseOccur, Query};

/// How to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// At most this many hits.
    pub limit: usize,
    /// Only passages in this language.
    pub lang: Option<Lang>,
    /// Require every word and phrase (as if each had a `+`).
    pub all: bool,
    /// Attach each hit's score breakdown ([`Hit::explain`]).
    pub explain: bool,
    /// Attach each hit's translation, when the corpus holds one ([`Hit::parallel`]).
    pub parallel: bool,
    /// Expand each word to its translations: English to Chinese and Chinese to English
    /// ([`crate::cross`]); each hit says which translation matched ([`Hit::via`]).
    pub cross: bool,
    /// Read every unquoted word of letters as pinyin too, as if typed `py:word`, joining
    /// neighbours (`jian pin`) where the index holds a form of the joined letters.
    pub pinyin: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            lang: None,
            all: false,
            explain: false,
            parallel: false,
            pinyin: false,
            cross: false,
        }
    }
}

/// Weight of a clause's presence (its phrase over words or over bigrams) in the score.
pub const PRESENCE_WEIGHT: f32 = 1.0;
/// Weight of each word of a clause's bag.
pub const WORD_WEIGHT: f32 = 1.0;
/// Weight of each bigram of a clause's bag.
pub const BIGRAM_WEIGHT: f32 = 0.5;
/// Weight of each single Han character of a clause's bag.
pub const UNIGRAM_WEIGHT: f32 = 0.4;
/// Weight of each word of a clause's bag found in the document's title.
pub const TITLE_WEIGHT: f32 = 1.0;

/// One ranked passage; serialises to the `--json` line of the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// BM25 score.
    pub score: f32,
    /// Document id.
    pub doc: String,
    /// 1-based passage number within the document.
    pub passage: u32,
    pub lang: Lang,
    /// 1-based line of the passage's first character.
    pub line: u32,
    /// The passage exactly as in the source file.
    pub text: String,
    /// Matched words as `[start, end)` byte ranges of `text`: sorted, non-overlapping, on char
    /// boundaries.
    pub highlights: Vec<(usize, usize)>,
    /// The score's breakdown (tantivy's explanation tree), with [`SearchOptions::explain`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<serde_json::Value>,
    /// The passage in the other language, with [`SearchOptions::parallel`], when the corpus
    /// holds a translation (see [`crate::counterpart`]); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel: Option<crate::Counterpart>,
    /// For a query with expansions (`--cross`, pinyin): each `[typed, form]` through which
    /// the passage matched a clause that it does not match as typed; empty when it matched
    /// directly. Absent for a query without expansions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Vec<(String, String)>>,
}

impl Index {
    /// Search for `query` (see [`Query::parse`] for the syntax).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>> {
        let query = self.parse_query(query, options)?;
        self.search_parsed(&query, options)
    }

    /// Search with a query already parsed.
    pub fn search_parsed(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let (ranked, rounds) = self.rank(query, options)?;
        ranked
            .into_iter()
            .enumerate()
            .map(|(i, (score, address, round))| {
                let stored = self.stored(&searcher, address)?;
                let parallel = match options.parallel {
                    true => self.counterpart(&stored)?,
                    false => None,
                };
                let mut hit = self.hit(i + 1, score, stored, &query.clauses);
                hit.parallel = parallel;
                if options.explain {
                    let explanation = rounds[round]
                        .explain(&searcher, address)
                        .map_err(Error::tantivy(&self.dir))?;
                    hit.explain = serde_json::to_value(explanation).ok();
                }
                Ok(hit)
            })
            .collect()
    }

    /// Documents ranked by their best passage, at most `options.limit`, each with that hit.
    pub fn search_documents(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let passages = SearchOptions {
            limit: (options.limit * 10).max(100),
            ..options.clone()
        };
        let mut seen = HashSet::new();
        let mut hits = Vec::new();
        for (score, address, _) in self.rank(query, &passages)?.0 {
            let stored = self.stored(&searcher, address)?;
            if seen.insert(stored.doc.clone()) {
                hits.push(self.hit(hits.len() + 1, score, stored, &query.clauses));
                if hits.len() == options.limit {
                    break;
                }
            }
        }
        Ok(hits)
    }

    fn stored(&self, searcher: &tantivy::Searcher, address: DocAddress) -> Result<StoredPassage> {
        let document: TantivyDocument = searcher.doc(address).map_err(Error::tantivy(&self.dir))?;
        Ok(self.fields.read(&document))
    }

    /// Passages in rank order with their scores and the round that found them, and the
    /// rounds' queries (see the module docs).
    fn rank(&self, query: &Query, options: &SearchOptions) -> Result<Ranked> {
        let searcher = self.reader.searcher();
        let rounds = Plan::new(&self.fields, query, options).rounds();
        let mut ranked = Vec::new();
        let mut seen = HashSet::new();
        for (number, round) in rounds.iter().enumerate() {
            if ranked.len() >= options.limit {
                break;
            }
            let top = TopDocs::with_limit(options.limit + seen.len()).order_by_score();
            for (score, address) in searcher
                .search(round, &top)
                .map_err(Error::tantivy(&self.dir))?
            {
                if ranked.len() < options.limit && seen.insert(address) {
                    ranked.push((score, address, number));
                }
            }
        }
        Ok((ranked, rounds))
    }

    fn hit(&self, rank: usize, score: f32, stored: StoredPassage, clauses: &[Clause]) -> Hit {
        let matches = highlight::find(&stored.text, clauses, &self.analyzer);
        let expanded = clauses.iter().any(|c| !c.alternatives.is_empty());
        Hit {
            rank,
            score,
            doc: stored.doc,
            passage: stored.passage as u32,
            lang: stored.lang.parse().unwrap_or(Lang::En),
            line: stored.line as u32,
            text: stored.text,
            highlights: matches.ranges.iter().map(|r| (r.start, r.end)).collect(),
            explain: None,
            parallel: None,
            via: expanded.then_some(matches.via),
        }
    }
}

/// Ranked passages (score, address, round) and the rounds' queries.
type Ranked = (Vec<(f32, DocAddress, usize)>, Vec<Box<dyn TantivyQuery>>);

/// The tantivy queries of a search, built once per clause.
struct Plan {
    /// Presence of each optional clause.
    optional: Vec<Box<dyn TantivyQuery>>,
    /// Bag of each optional clause (its words and bigrams), scoring only.
    bags: Vec<Box<dyn TantivyQuery>>,
    /// Required presences, excluded presences and filters: part of every round.
    fixed: Vec<(Occur, Box<dyn TantivyQuery>)>,
    /// Rank by the number of present clauses first (keywords), or by score alone (questions).
    coverage: bool,
    /// Whether some clause is required (`+`, `--all`): then optional clauses only rank.
    required: bool,
}

impl Plan {
    fn new(fields: &Fields, query: &Query, options: &SearchOptions) -> Plan {
        let mut plan = Plan {
            optional: Vec::new(),
            bags: Vec::new(),
            fixed: Vec::new(),
            coverage: !query.is_question(),
            required: false,
        };
        for clause in &query.clauses {
            let occur = match clause.occur {
                ClauseOccur::Should if options.all => ClauseOccur::Must,
                occur => occur,
            };
            match occur {
                ClauseOccur::Should => {
                    plan.optional.push(presence(fields, clause));
                    plan.bags.push(bag(fields, clause));
                }
                ClauseOccur::Must => {
                    plan.required = true;
                    plan.fixed.push((Occur::Must, presence(fields, clause)));
                    plan.fixed.push((Occur::Should, bag(fields, clause)));
                }
                ClauseOccur::MustNot => plan.fixed.push((Occur::MustNot, presence(fields, clause))),
            }
        }
        let filter = |query: Box<dyn TantivyQuery>| -> (Occur, Box<dyn TantivyQuery>) {
            // A filter adds nothing to the score, or filtering would change the ranking.
            (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
        };
        for lang in [options.lang, query.lang].into_iter().flatten() {
            let term = Term::from_field_text(fields.lang, lang.as_str());
            plan.fixed.push(filter(Box::new(TermQuery::new(
                term,
                IndexRecordOption::Basic,
            ))));
        }
        if !query.docs.is_empty() {
            let any_doc = query
                .docs
                .iter()
                .map(|id| -> (Occur, Box<dyn TantivyQuery>) {
                    let term = Term::from_field_text(fields.doc, id);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    )
                })
                .collect();
            plan.fixed
                .push(filter(Box::new(BooleanQuery::new(any_doc))));
        }
        plan
    }

    /// The queries of the rounds, most present clauses first, the bag round last.
    fn rounds(&self) -> Vec<Box<dyn TantivyQuery>> {
        let mut rounds = Vec::new();
        let everything = || -> (Occur, Box<dyn TantivyQuery>) {
            let all = ConstScoreQuery::new(Box::new(tantivy::query::AllQuery), 0.0);
            (Occur::Must, Box::new(all))
        };
        if !self.coverage && !self.optional.is_empty() {
            let presences = self.optional.iter().map(|q| (Occur::Should, q.box_clone()));
            let mut parts: Vec<(Occur, Box<dyn TantivyQuery>)> = presences.collect();
            parts.push(if self.required {
                everything()
            } else {
                (Occur::Must, self.any_bag())
            });
            let question = BooleanQuery::with_minimum_required_clauses(parts, 0);
            return vec![self.round((Occur::Must, Box::new(question)))];
        }
        for required in (1..=self.optional.len()).rev() {
            let coverage = BooleanQuery::with_minimum_required_clauses(
                self.optional
                    .iter()
                    .map(|q| (Occur::Should, q.box_clone()))
                    .collect(),
                required,
            );
            rounds.push(self.round((Occur::Must, Box::new(coverage))));
        }
        if self.required {
            rounds.push(self.round(everything()));
        }
        rounds
    }

    /// Matches a passage where any word or bigram of any optional clause occurs.
    fn any_bag(&self) -> Box<dyn TantivyQuery> {
        let bags = self.bags.iter().map(|q| (Occur::Should, q.box_clone()));
        Box::new(BooleanQuery::new(bags.collect()))
    }

    fn round(&self, extra: (Occur, Box<dyn TantivyQuery>)) -> Box<dyn TantivyQuery> {
        let mut parts: Vec<(Occur, Box<dyn TantivyQuery>)> = self
            .fixed
            .iter()
            .map(|(o, q)| (*o, q.box_clone()))
            .collect();
        parts.extend(self.bags.iter().map(|q| (Occur::Should, q.box_clone())));
        parts.push(extra);
        Box::new(BooleanQuery::with_minimum_required_clauses(parts, 0))
    }
}

/// The clause's words in order (or a single word), or, for Han text, its bigrams in order.
pub(crate) fn presence(fields: &Fields, clause: &Clause) -> Box<dyn TantivyQuery> {
    let mut ways = Vec::new();
    for form in clause.forms() {
        ways.push(sequence(fields.text, &form.terms));
        if form.han_only && !form.bigrams.is_empty() {
            ways.push(sequence(fields.grams, &form.bigrams));
        }
    }
    let any = BooleanQuery::new(ways.into_iter().map(|q| (Occur::Should, q)).collect());
    Box::new(BoostQuery::new(Box::new(any), PRESENCE_WEIGHT))
}

/// Each distinct word, bigram and character of the clause and its alternatives, and their
/// words in the title, for scoring.
fn bag(fields: &Fields, clause: &Clause) -> Box<dyn TantivyQuery> {
    let mut seen = HashSet::new();
    let mut parts: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    type Part = fn(&Clause) -> &Vec<(usize, String)>;
    let (words, bigrams, chars): (Part, Part, Part) =
        (|c| &c.terms, |c| &c.bigrams, |c| &c.unigrams);
    for (field, part, weight) in [
        (fields.text, words, WORD_WEIGHT),
        (fields.grams, bigrams, BIGRAM_WEIGHT),
        (fields.chars, chars, UNIGRAM_WEIGHT),
        (fields.title, words, TITLE_WEIGHT),
    ] {
        for (_, text) in clause.forms().flat_map(part) {
            if seen.insert((field, text.as_str())) {
                let term = TermQuery::new(
                    Term::from_field_text(field, text),
                    IndexRecordOption::WithFreqs,
                );
                parts.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), weight)),
                ));
            }
        }
    }
    Box::new(BooleanQuery::new(parts))
}

/// One term, or several at their relative positions.
fn sequence(field: tantivy::schema::Field, terms: &[(usize, String)]) -> Box<dyn TantivyQuery> {
    let term = |text: &str| Term::from_field_text(field, text);
    match terms {
        [(_, only)] => Box::new(TermQuery::new(
            term(only),
            IndexRecordOption::WithFreqsAndPositions,
        )),
        terms => Box::new(PhraseQuery::new_with_offset(
            terms.iter().map(|(offset, t)| (*offset, term(t))).collect(),
        )),
    }
}
