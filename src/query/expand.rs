//! Query expansion from the index: the Chinese words a pinyin clause stands for
//! ([`crate::query::pinyin`]) and, with `--cross`, a clause's translations ([`crate::query::cross`]). Runs
//! between parsing and ranking, because only the index knows which forms occur: a form that
//! occurs nowhere is never added.

use std::collections::HashMap;

use tantivy::collector::Count;
use tantivy::schema::Field;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::query::cross;
use crate::query::pinyin::{self, Vocabulary};
use crate::query::{Clause, Occur, Query};
use crate::search::SearchOptions;

/// Expands queries against one view of an index: the forms it adds are those that view
/// holds.
pub(crate) struct Expander<'a> {
    pub(crate) index: &'a Index,
    pub(crate) snapshot: &'a tantivy::Searcher,
}

impl Expander<'_> {
    /// Parse `input` and expand it against the index (see [`Query::parse`]).
    pub(crate) fn parse(&self, input: &str, options: &SearchOptions) -> Result<Query> {
        let mut query = Query::parse_with(input, &self.index.analyzer, options.all)?;
        if options.pinyin {
            self.join_pinyin_words(&mut query)?;
        }
        if options.cross {
            self.join_english_phrases(&mut query)?;
        }
        for clause in query.clauses.iter_mut() {
            let mut alternatives = Vec::new();
            if let Some(target) = clause.pinyin.clone() {
                alternatives = self.pinyin_forms(&target, clause.occur)?;
            }
            if options.cross {
                alternatives.extend(self.translations(clause)?);
            }
            clause.alternatives = alternatives;
        }
        Ok(query)
    }

    /// Neighbouring English words that make a glossed phrase (`poverty reduction`) join into
    /// one clause, so the phrase translates as a whole.
    fn join_english_phrases(&self, query: &mut Query) -> Result<()> {
        let is_english_word = |c: &Clause| {
            !c.phrase
                && c.occur != Occur::MustNot
                && c.pinyin.is_none()
                && c.source.chars().all(|ch| ch.is_ascii_alphabetic())
        };
        let old = std::mem::take(&mut query.clauses);
        let mut i = 0;
        while i < old.len() {
            let mut joined = i + 1;
            if is_english_word(&old[i]) {
                let mut end = i + 1;
                while end < old.len()
                    && end - i < cross::MAX_PHRASE_WORDS
                    && is_english_word(&old[end])
                    && old[end].occur == old[i].occur
                {
                    end += 1;
                }
                joined = end;
                while joined > i + 1
                    && cross::glossary()
                        .chinese(&words(&old[i..joined]))
                        .is_empty()
                {
                    joined -= 1;
                }
            }
            if joined == i + 1 {
                query.clauses.push(old[i].clone());
            } else {
                let mut parsed = Query::parse(&words(&old[i..joined]), &self.index.analyzer)?;
                let mut clause = parsed.clauses.remove(0);
                clause.source = words(&old[i..joined]);
                clause.terms = old[i..joined]
                    .iter()
                    .enumerate()
                    .flat_map(|(k, c)| c.terms.iter().map(move |(_, t)| (k, t.clone())))
                    .collect();
                clause.occur = old[i].occur;
                // A glossed phrase is one concept: present as a whole, in either language.
                clause.units.clear();
                query.clauses.push(clause);
            }
            i = joined;
        }
        Ok(())
    }

    /// The translations of a clause that occur in the index: English glosses of a Chinese
    /// clause (of the whole, else of each word, else of each character), or Chinese words
    /// glossed by an English one.
    fn translations(&self, clause: &Clause) -> Result<Vec<Clause>> {
        let glossary = cross::glossary();
        let mut candidates: Vec<String> = Vec::new();
        if clause.han_only {
            let whole: String = clause.terms.iter().map(|(_, t)| t.as_str()).collect();
            let mut add = |chinese: &str| -> bool {
                let glosses = glossary.english(chinese);
                candidates.extend(glosses.iter().map(|g| format!("\"{g}\"")));
                !glosses.is_empty()
            };
            if !add(&whole) {
                for (_, word) in &clause.terms {
                    if !add(word) {
                        for c in word.chars() {
                            add(&c.to_string());
                        }
                    }
                }
            }
        } else if clause
            .source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            candidates = glossary
                .chinese(&clause.source)
                .into_iter()
                .map(str::to_owned)
                .collect();
        }
        let searcher = self.snapshot;
        let mut found = Vec::new();
        // Each candidate costs a count over the index: a word with hundreds of glosses
        // (`make`) is looked up a bounded number of times.
        for text in candidates.into_iter().take(cross::MAX_LOOKUPS) {
            let Ok(parsed) = Query::parse(&text, &self.index.analyzer) else {
                continue;
            };
            let Some(mut form) = parsed.clauses.into_iter().next() else {
                continue;
            };
            if form.terms == clause.terms
                || found
                    .iter()
                    .any(|(_, f): &(usize, Clause)| f.terms == form.terms)
            {
                continue;
            }
            form.occur = clause.occur;
            let presence = crate::search::presence(&self.index.fields, &form);
            let count = searcher
                .search(&presence, &Count)
                .map_err(Error::tantivy(&self.index.dir))?;
            if count > 0 {
                found.push((count, form));
            }
            if found.len() >= cross::MAX_TRANSLATIONS * 3 {
                break;
            }
        }
        if !clause.han_only {
            found.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
        }
        Ok(found
            .into_iter()
            .take(cross::MAX_TRANSLATIONS)
            .map(|(_, form)| form)
            .collect())
    }

    /// With `--pinyin`, every unquoted word of letters is pinyin, and neighbouring ones
    /// (`jian pin`) join into one word where the index holds a form of the joined letters.
    fn join_pinyin_words(&self, query: &mut Query) -> Result<()> {
        let is_pinyin_word = |c: &Clause| {
            !c.phrase && c.occur == Occur::Should && pinyin::normalize(&c.source).is_some()
        };
        let mut clauses: Vec<Clause> = Vec::new();
        let old = std::mem::take(&mut query.clauses);
        let mut i = 0;
        while i < old.len() {
            if !is_pinyin_word(&old[i]) {
                clauses.push(old[i].clone());
                i += 1;
                continue;
            }
            let mut end = i + 1;
            while end < old.len() && is_pinyin_word(&old[end]) {
                end += 1;
            }
            let mut joined = end.min(i + pinyin::MAX_JOINED_WORDS);
            while joined > i + 1 {
                let letters: String = old[i..joined].iter().map(|c| c.source.as_str()).collect();
                let target = pinyin::normalize(&letters).unwrap_or_default();
                if !self.pinyin_forms(&target, Occur::Should)?.is_empty() {
                    break;
                }
                joined -= 1;
            }
            let source = old[i..joined]
                .iter()
                .map(|c| c.source.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let mut clause = if joined == i + 1 {
                old[i].clone()
            } else {
                let mut parsed = Query::parse(&format!("py:\"{source}\""), &self.index.analyzer)?;
                parsed.clauses.remove(0)
            };
            clause.pinyin = pinyin::normalize(&source);
            clause.units.clear();
            clauses.push(clause);
            i = joined;
        }
        query.clauses = clauses;
        Ok(())
    }

    /// The Chinese forms of pinyin `target` that occur in the index, most useful first.
    fn pinyin_forms(&self, target: &str, occur: Occur) -> Result<Vec<Clause>> {
        let searcher = self.snapshot;
        let mut forms = Vec::new();
        let candidates = self.vocabulary()?.candidates(target);
        for (text, pieces) in candidates.into_iter().take(pinyin::MAX_LOOKUPS) {
            let parsed = Query::parse(&text, &self.index.analyzer)?;
            let Some(mut clause) = parsed.clauses.into_iter().next() else {
                continue;
            };
            clause.occur = occur;
            let presence = crate::search::presence(&self.index.fields, &clause);
            let count = searcher
                .search(&presence, &Count)
                .map_err(Error::tantivy(&self.index.dir))?;
            if count > 0 {
                forms.push((pieces, std::cmp::Reverse(count), clause));
            }
            if forms.len() >= pinyin::MAX_EXPANSIONS * 4 {
                break;
            }
        }
        forms.sort_by_key(|&(pieces, count, _)| (pieces, count));
        Ok(forms
            .into_iter()
            .take(pinyin::MAX_EXPANSIONS)
            .map(|(_, _, clause)| clause)
            .collect())
    }

    /// The index's Han words and characters by spelling, read once per opened index.
    fn vocabulary(&self) -> Result<&Vocabulary> {
        if let Some(vocabulary) = self.index.vocabulary.get() {
            return Ok(vocabulary);
        }
        // Each Han term with the passages it occurs in (summed over segments).
        let han_terms = |field: Field| -> Result<HashMap<String, u64>> {
            let mut terms = HashMap::new();
            crate::index::each_term(self.snapshot, field, &self.index.dir, |term, passages| {
                if pinyin::is_han_term(term) {
                    *terms.entry(term.to_owned()).or_default() += u64::from(passages);
                }
            })?;
            Ok(terms)
        };
        let words = han_terms(self.index.fields.text)?;
        let chars = han_terms(self.index.fields.chars)?;
        let pairs = han_terms(self.index.fields.grams)?;
        let vocabulary =
            Vocabulary::new(words.into_iter().chain(chars), pairs.into_keys().collect());
        Ok(self.index.vocabulary.get_or_init(|| vocabulary))
    }
}

/// The typed words of clauses, space-joined.
fn words(clauses: &[Clause]) -> String {
    clauses
        .iter()
        .map(|c| c.source.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
