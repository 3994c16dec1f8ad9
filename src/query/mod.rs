//! Query parsing and analysis.
//!
//! Syntax (whitespace separates items):
//!
//! | item | meaning |
//! |---|---|
//! | `word` | should occur; passages with more of the words rank first |
//! | `"a phrase"` | the words in this order, next to each other |
//! | `+word`, `+"phrase"` | must occur |
//! | `-word`, `-"phrase"` | must not occur |
//! | `lang:zh`, `lang:en` | only passages in that language |
//! | `doc:ID` | only passages of that document (several `doc:` items: any of them) |
//! | `py:jianpin`, `py:"jian pin"` | toneless pinyin for Chinese words the index holds ([`crate::query::pinyin`]) |
//!
//! Each word or phrase is a clause, analysed exactly like document text but without
//! sub-words. A clause is **present** in a passage when its words occur in order (as a phrase
//! with their relative positions, so `上合组织`, segmented `上 合 组织`, matches `上合組織`), or,
//! for Han text, when its character bigrams do (so `人民共和国` is present in `中华人民共和国`),
//! or, for a single Han character, when the character occurs anywhere (`灯` in `大灯`).
//!
//! An unquoted clause of several words is not a required phrase: each of its [`Unit`]s (a
//! word of two or more characters, a run of single characters jieba left of a name it does
//! not know, `上合` of `上 合 组织`, or an English word) makes a passage a hit on its own, so
//! `雾凇拼音` finds what `雾凇 拼音` finds, and passages with more units, and with the whole
//! clause in order, rank first. A single character inside a clause of longer words is no
//! unit: `上合组织` does not match every passage with `上`, and `本田` does not match `本地`.
//! Beyond presence, each clause contributes a **bag** of its words and bigrams to the score,
//! which is what ranks a question typed as one unspaced sentence.

pub mod cross;
pub(crate) mod expand;
pub mod pinyin;

use crate::analysis::Analyzer;
use crate::error::{Error, Result};
use crate::text::Lang;

/// The query syntax, one `(item, meaning)` row each: the one source of the CLI help's
/// "Query syntax" and of the README's table (a test holds both to it).
pub const SYNTAX: &[(&str, &str)] = &[
    (
        "word word ...",
        "passages with any of the words; those with more of them present, and in the order typed, rank first",
    ),
    (
        "上合组织",
        "unspaced Chinese is no required phrase: any of its words finds a passage (上合, 组织), the whole in order ranks first",
    ),
    ("灯", "one character: found inside longer words too (大灯)"),
    ("\"a phrase\"", "the words in this order, next to each other"),
    ("+word, +\"...\"", "must occur (each word of it, stop words too)"),
    ("-word, -\"...\"", "must not occur"),
    ("lang:zh, lang:en", "only passages in that language"),
    (
        "doc:ID",
        "only passages of that document (several doc: items: any of them); alone, lists its passages in order",
    ),
    (
        "py:jianpin, py:\"jian pin\"",
        "toneless pinyin, for the Chinese words the index holds",
    ),
];

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

/// English words that carry no topic. Dropped from unquoted optional clauses when the query
/// has other words (measured on the XQuAD-en dev questions; see the README).
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "did", "do", "does", "for", "from", "had",
    "has", "have", "how", "in", "is", "it", "of", "on", "or", "that", "the", "their", "this", "to",
    "was", "were", "what", "when", "where", "which", "who", "whom", "whose", "why", "with",
];

/// Whether a clause must, should or must not occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    Should,
    Must,
    MustNot,
}

/// A parsed and analysed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Clause>,
    /// `lang:` filter.
    pub lang: Option<Lang>,
    /// `doc:` filters (any of them).
    pub docs: Vec<String>,
    /// Stop words left out of the ranking.
    pub dropped: Vec<String>,
    /// What a semantic search embeds: the words and phrases to find as typed, in order (stop
    /// words kept; exclusions, `+`, quotes and filters left out).
    pub semantic_text: String,
}

/// One word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The clause as typed, without `+`, `-` or quotes.
    pub source: String,
    /// Whether it was quoted.
    pub phrase: bool,
    pub occur: Occur,
    /// Its words, with positions relative to its first word.
    pub terms: Vec<(usize, String)>,
    /// Bigrams of its Han text on the same positions.
    pub bigrams: Vec<(usize, String)>,
    /// The characters of its Han text.
    pub unigrams: Vec<(usize, String)>,
    /// Whether the clause is all Han, so that its bigrams in order make it present.
    pub han_only: bool,
    /// For a pinyin clause (`py:` or `--pinyin`), the letters it spells.
    pub pinyin: Option<String>,
    /// Other forms of the clause, any of which makes it present (the Chinese words a pinyin
    /// clause stands for); filled by the search from the index.
    pub alternatives: Vec<Clause>,
    /// The parts of an unquoted clause of several words that each make a passage match (see
    /// the module docs); empty for a quoted phrase and for a clause that is one unit.
    pub units: Vec<Unit>,
}

/// A part of a clause that alone makes a passage a hit: one word of two or more characters,
/// a run of single Han characters, or one English word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its folded text: simplified Han characters, or the analysed English word.
    pub text: String,
    /// Its words, with positions relative to its first one.
    pub terms: Vec<(usize, String)>,
    /// For Han text, its character bigrams in order (none for a single character).
    pub bigrams: Vec<(usize, String)>,
    /// Whether it is Han text (found as a substring), rather than an English word.
    pub han: bool,
}

impl Clause {
    /// The clause and its alternatives.
    pub fn forms(&self) -> impl Iterator<Item = &Clause> {
        std::iter::once(self).chain(&self.alternatives)
    }

    /// Whether the clause is one Han character, present wherever the character occurs.
    pub fn is_single_char(&self) -> bool {
        self.han_only && self.terms.len() == 1 && is_single_han(&self.terms[0].1)
    }

    /// Its folded text when it is all Han (punctuation aside): what a highlight looks for.
    pub fn han_text(&self) -> Option<String> {
        if !self.han_only {
            return None;
        }
        Some(self.terms.iter().map(|(_, t)| t.as_str()).collect())
    }
}

/// One item of the query text, before analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item<'a> {
    Clause {
        text: &'a str,
        phrase: bool,
        occur: Occur,
        pinyin: bool,
    },
    Lang(Lang),
    Doc(&'a str),
}

impl Query {
    /// Check the syntax of `input` without analysing it: errors for an empty or blank query,
    /// an unbalanced quote, a lone `+` or `-`, an unknown `lang:`, an overlong query.
    pub fn check_syntax(input: &str) -> Result<()> {
        items(input).map(drop)
    }

    /// Parse `input` and analyse it with `analyzer` (the index's).
    pub fn parse(input: &str, analyzer: &Analyzer) -> Result<Query> {
        Self::parse_with(input, analyzer, false)
    }

    /// [`Query::parse`], with `all` making every word and phrase required (`--all`): then no
    /// stop word is dropped, since stop words only ever leave optional clauses.
    pub fn parse_with(input: &str, analyzer: &Analyzer, all: bool) -> Result<Query> {
        let invalid = |reason: &str| Error::InvalidQuery {
            query: input.to_owned(),
            reason: reason.to_owned(),
        };
        let mut query = Query {
            clauses: Vec::new(),
            lang: None,
            docs: Vec::new(),
            dropped: Vec::new(),
            semantic_text: String::new(),
        };
        for item in items(input)? {
            match item {
                Item::Lang(lang) => {
                    if query.lang.is_some_and(|l| l != lang) {
                        return Err(invalid("lang:zh and lang:en together match nothing"));
                    }
                    query.lang = Some(lang);
                }
                Item::Doc(id) => query.docs.push(id.to_owned()),
                Item::Clause {
                    text,
                    phrase,
                    occur,
                    pinyin,
                } => {
                    let occur = match occur {
                        Occur::Should if all => Occur::Must,
                        occur => occur,
                    };
                    if occur != Occur::MustNot {
                        if !query.semantic_text.is_empty() {
                            query.semantic_text.push(' ');
                        }
                        query.semantic_text.push_str(text);
                    }
                    let Some(mut clause) = analyze_clause(analyzer, text, phrase, occur) else {
                        continue;
                    };
                    if pinyin {
                        clause.units.clear();
                        clause.pinyin =
                            Some(crate::query::pinyin::normalize(text).ok_or_else(|| {
                                invalid(&format!("py:{text} is not toneless pinyin (letters a-z)"))
                            })?);
                    }
                    if !query
                        .clauses
                        .iter()
                        .any(|c| c.terms == clause.terms && c.occur == clause.occur)
                    {
                        query.clauses.push(clause);
                    }
                }
            }
        }
        if query.lists_documents() {
            return Ok(query);
        }
        if query.clauses.iter().all(|c| c.occur == Occur::MustNot) {
            return Err(invalid(if query.clauses.is_empty() {
                "it has no searchable word (only punctuation, symbols, filters, or words longer than the 100 bytes a term may have)"
            } else {
                "it only excludes words; give at least one word to find"
            }));
        }
        query.dropped = drop_stop_words(&mut query.clauses);
        Ok(query)
    }
}

impl Query {
    /// Whether the query names documents (`doc:X`) and no word to find: it lists their
    /// passages in order (less those with an excluded word) rather than ranking.
    pub fn lists_documents(&self) -> bool {
        !self.docs.is_empty() && self.clauses.iter().all(|c| c.occur == Occur::MustNot)
    }

    /// Clauses of more words than this make the query a question.
    pub const KEYWORD_CLAUSE_WORDS: usize = 3;
    /// More optional clauses than this make the query a question.
    pub const KEYWORD_CLAUSES: usize = 5;

    /// Whether this reads as a question or a sentence rather than keywords: a clause with a
    /// question mark or of more than [`Self::KEYWORD_CLAUSE_WORDS`] words of two or more
    /// characters (an unspaced Chinese sentence; single characters are what jieba leaves of
    /// names it does not know, like `友 城`), or more than [`Self::KEYWORD_CLAUSES`] optional
    /// clauses. A question ranks by score alone; keywords rank passages with more of them
    /// present first.
    pub fn is_question(&self) -> bool {
        let optional = self.clauses.iter().filter(|c| c.occur == Occur::Should);
        let words = |c: &Clause| {
            c.terms
                .iter()
                .filter(|(_, t)| t.chars().nth(1).is_some())
                .count()
        };
        self.clauses.iter().any(|c| {
            !c.phrase && (words(c) > Self::KEYWORD_CLAUSE_WORDS || c.source.contains(['?', '？']))
        }) || optional.count() > Self::KEYWORD_CLAUSES
    }
}

fn analyze_clause(analyzer: &Analyzer, text: &str, phrase: bool, occur: Occur) -> Option<Clause> {
    // One pass for words and grams: query words are document words (no sub-words).
    let analysis = analyzer.analyze_document(text);
    let first = analysis.words.first()?.position;
    let relative = |terms: Vec<crate::analysis::Term>| {
        terms
            .into_iter()
            .map(|t| (t.position - first, t.text))
            .collect::<Vec<_>>()
    };
    let han_only = text
        .chars()
        .all(|c| crate::text::cleanup::is_han(c) || !c.is_alphanumeric());
    let (unigrams, bigrams) = analysis
        .grams
        .into_iter()
        .partition(|t| t.text.chars().count() == 1);
    let units = match phrase {
        true => Vec::new(),
        false => units(&analysis.words),
    };
    let terms = relative(analysis.words);
    Some(Clause {
        source: text.to_owned(),
        phrase,
        occur,
        terms,
        bigrams: relative(bigrams),
        unigrams: relative(unigrams),
        han_only,
        pinyin: None,
        alternatives: Vec::new(),
        units,
    })
}

/// The units of an unquoted clause's words (see the module docs): each word of two or more
/// characters, each English word, and each run of two or more single Han characters that
/// stand next to each other in the text (punctuation between them ends a run, as it ends
/// the bigrams of the index); the single characters themselves only when nothing else is
/// left. Empty when the clause is one unit, which is the clause itself.
fn units(words: &[crate::analysis::Term]) -> Vec<Unit> {
    let is_han = |t: &str| t.chars().all(crate::text::cleanup::is_han);
    // Units by the position of their first word, so they read in the order typed.
    let mut units: Vec<(usize, Unit)> = Vec::new();
    let mut singles: Vec<Vec<&crate::analysis::Term>> = Vec::new();
    for word in words {
        if is_single_han(&word.text) {
            match singles.last_mut() {
                Some(run) if run.last().is_some_and(|w| w.range.end == word.range.start) => {
                    run.push(word)
                }
                _ => singles.push(vec![word]),
            }
            continue;
        }
        let han = is_han(&word.text);
        let unit = Unit {
            text: word.text.clone(),
            terms: vec![(0, word.text.clone())],
            bigrams: if han { pairs(&word.text) } else { Vec::new() },
            han,
        };
        units.push((word.position, unit));
    }
    let runs = singles.iter().filter(|run| run.len() > 1).count();
    let only_singles = units.is_empty() && runs == 0;
    for run in singles {
        if run.len() > 1 || only_singles {
            let text: String = run.iter().map(|w| w.text.as_str()).collect();
            let first = run[0].position;
            let unit = Unit {
                terms: run
                    .iter()
                    .map(|w| (w.position - first, w.text.clone()))
                    .collect(),
                bigrams: pairs(&text),
                text,
                han: true,
            };
            units.push((first, unit));
        }
    }
    units.sort_by_key(|(position, _)| *position);
    let covered: usize = units.iter().map(|(_, u)| u.terms.len()).sum();
    if units.len() == 1 && covered == words.len() {
        units.clear();
    }
    units.into_iter().map(|(_, unit)| unit).collect()
}

/// Whether a term is one Han character.
pub(crate) fn is_single_han(term: &str) -> bool {
    let mut chars = term.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if crate::text::is_han(c))
}

/// Character bigrams of a Han word, each at the offset of its first character.
fn pairs(text: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(2)
        .enumerate()
        .map(|(i, w)| (i, w.iter().collect()))
        .collect()
}

/// Unquoted optional English stop words go when something else remains to rank by; returns
/// those dropped.
fn drop_stop_words(clauses: &mut Vec<Clause>) -> Vec<String> {
    let is_stop = |c: &Clause| {
        c.occur == Occur::Should
            && !c.phrase
            && c.terms.len() == 1
            && ENGLISH_STOP_WORDS.contains(&c.source.to_lowercase().as_str())
    };
    if !clauses
        .iter()
        .any(|c| c.occur != Occur::MustNot && !is_stop(c))
    {
        return Vec::new();
    }
    let (dropped, kept) = std::mem::take(clauses).into_iter().partition(is_stop);
    *clauses = kept;
    dropped.into_iter().map(|c: Clause| c.source).collect()
}

/// Split the query text into items.
fn items(input: &str) -> Result<Vec<Item<'_>>> {
    if input.trim().is_empty() {
        return Err(Error::EmptyQuery);
    }
    let invalid = |reason: String| Error::InvalidQuery {
        query: input.to_owned(),
        reason,
    };
    let length = input.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "{length} characters; at most {MAX_QUERY_CHARS} are accepted"
        )));
    }
    let mut items = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(items);
        }
        let at = input.len() - rest.len();
        let occur = match rest.as_bytes()[0] {
            b'+' => Occur::Must,
            b'-' => Occur::MustNot,
            _ => Occur::Should,
        };
        if occur != Occur::Should {
            rest = &rest[1..];
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                return Err(invalid(format!(
                    "lone {:?} at byte {at}: put it right before a word or \"phrase\"",
                    &input[at..at + 1]
                )));
            }
        }
        let pinyin = rest.starts_with("py:");
        if pinyin {
            rest = &rest["py:".len()..];
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                return Err(invalid(format!(
                    "py: at byte {at} takes pinyin: py:jianpin"
                )));
            }
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                return Err(invalid(format!(
                    "unbalanced quote at byte {}",
                    input.len() - rest.len()
                )));
            };
            items.push(Item::Clause {
                text: &quoted[..end],
                phrase: !pinyin,
                occur,
                pinyin,
            });
            rest = &quoted[end + 1..];
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if pinyin {
            items.push(Item::Clause {
                text: word,
                phrase: false,
                occur,
                pinyin,
            });
        } else if let Some(value) = word.strip_prefix("lang:") {
            if occur != Occur::Should {
                return Err(invalid(format!("{word:?} is a filter; it takes no + or -")));
            }
            let lang = value
                .parse()
                .map_err(|e: String| invalid(format!("{e} (in {word:?})")))?;
            items.push(Item::Lang(lang));
        } else if let Some(id) = word.strip_prefix("doc:") {
            if occur != Occur::Should || id.is_empty() {
                return Err(invalid(format!(
                    "{word:?}: doc: takes a document id, and no + or -"
                )));
            }
            items.push(Item::Doc(id));
        } else {
            items.push(Item::Clause {
                text: word,
                phrase: false,
                occur,
                pinyin: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<Query> {
        Query::parse(input, &Analyzer::default())
    }

    fn terms(query: &Query) -> Vec<Vec<(usize, &str)>> {
        query
            .clauses
            .iter()
            .map(|c| c.terms.iter().map(|(o, t)| (*o, t.as_str())).collect())
            .collect()
    }

    #[test]
    fn words_and_phrases_keep_relative_positions() {
        let query = parse("上合組織 \"Friendship Cities\" 减贫").unwrap();
        assert_eq!(
            terms(&query),
            [
                vec![(0, "上"), (1, "合"), (2, "组织")],
                vec![(0, "friendship"), (1, "citi")],
                vec![(0, "减"), (1, "贫")],
            ]
        );
        assert!(query.clauses[1].phrase);
        let bigrams: Vec<_> = query.clauses[0]
            .bigrams
            .iter()
            .map(|(o, b)| (*o, b.as_str()))
            .collect();
        assert_eq!(bigrams, [(0, "上合"), (1, "合组"), (2, "组织")]);
        assert!(query.clauses[1].bigrams.is_empty());
        let mixed = &parse("2015年NFL赛季").unwrap().clauses[0];
        assert!(!mixed.han_only);
        assert_eq!(mixed.bigrams, [(3, "赛季".to_owned())]);
    }

    #[test]
    fn operators_and_filters() {
        let query = parse("+减贫 -\"上海精神\" 友城 lang:zh doc:a doc:b/c").unwrap();
        let occurs: Vec<_> = query
            .clauses
            .iter()
            .map(|c| (c.source.as_str(), c.occur))
            .collect();
        assert_eq!(
            occurs,
            [
                ("减贫", Occur::Must),
                ("上海精神", Occur::MustNot),
                ("友城", Occur::Should)
            ]
        );
        assert_eq!(query.lang, Some(Lang::Zh));
        assert_eq!(query.docs, ["a", "b/c"]);
        assert_eq!(parse("10:30 meeting").unwrap().clauses[0].source, "10:30");
    }

    #[test]
    fn english_stop_words_go_only_when_other_words_remain() {
        let query = parse("what is the capital of France").unwrap();
        let sources: Vec<_> = query.clauses.iter().map(|c| c.source.as_str()).collect();
        assert_eq!(sources, ["capital", "France"]);
        assert_eq!(parse("the who").unwrap().clauses.len(), 2);
        assert_eq!(
            parse("\"of the people\"").unwrap().clauses[0].terms.len(),
            3
        );
    }

    #[test]
    fn keywords_and_questions_are_told_apart() {
        for keywords in [
            "上合组织",
            "减贫 友城 发展",
            "\"上海精神 合作 发展 共同 体系\"",
            "friendship cities",
        ] {
            assert!(!parse(keywords).unwrap().is_question(), "{keywords}");
        }
        for question in [
            "2015 赛季黑豹队的防守被拦截了多少次？",
            "莱索托哪一年独立？",
            "Which NFL team represented the AFC at Super Bowl 50?",
        ] {
            assert!(parse(question).unwrap().is_question(), "{question}");
        }
    }

    #[test]
    fn same_clause_in_both_scripts_counts_once() {
        assert_eq!(parse("减贫 減貧").unwrap().clauses.len(), 1);
    }

    #[test]
    fn bad_queries_are_errors() {
        assert!(matches!(parse(""), Err(Error::EmptyQuery)));
        assert!(matches!(parse("  \t "), Err(Error::EmptyQuery)));
        let junk = "字".repeat(MAX_QUERY_CHARS + 1);
        for bad in [
            "\"上海精神",
            "，。！",
            "减贫 - 友城",
            "减贫 +",
            "lang:fr 减贫",
            "lang:zh lang:en 减贫",
            "-减贫",
            "doc: 减贫",
            "-lang:zh 减贫",
            "lang:zh",
            &junk,
        ] {
            assert!(
                matches!(parse(bad), Err(Error::InvalidQuery { .. })),
                "{bad}: {:?}",
                parse(bad)
            );
        }
    }
}
