//! Query expansion from the index: the Chinese words a pinyin clause stands for
//! ([`crate::pinyin`]). Runs between parsing and ranking, because only the index knows which
//! words exist.

use std::collections::HashSet;

use tantivy::collector::Count;
use tantivy::schema::Field;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::pinyin::{self, Vocabulary};
use crate::query::{Clause, Occur, Query};
use crate::search::SearchOptions;

impl Index {
    /// Parse `input` and expand it against this index (see [`Query::parse`]).
    pub fn parse_query(&self, input: &str, options: &SearchOptions) -> Result<Query> {
        let mut query = Query::parse(input, &self.analyzer)?;
        if options.pinyin {
            self.join_pinyin_words(&mut query)?;
        }
        for clause in query.clauses.iter_mut() {
            if let Some(target) = clause.pinyin.clone() {
                clause.alternatives = self.pinyin_forms(&target, clause.occur)?;
            }
        }
        Ok(query)
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
            let mut joined = end;
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
                let mut parsed = Query::parse(&format!("py:\"{source}\""), &self.analyzer)?;
                parsed.clauses.remove(0)
            };
            clause.pinyin = pinyin::normalize(&source);
            clauses.push(clause);
            i = joined;
        }
        query.clauses = clauses;
        Ok(())
    }

    /// The Chinese forms of pinyin `target` that occur in the index, most useful first.
    fn pinyin_forms(&self, target: &str, occur: Occur) -> Result<Vec<Clause>> {
        let searcher = self.reader.searcher();
        let mut forms = Vec::new();
        for (text, pieces) in self.vocabulary()?.candidates(target) {
            let parsed = Query::parse(&text, &self.analyzer)?;
            let Some(mut clause) = parsed.clauses.into_iter().next() else {
                continue;
            };
            clause.occur = occur;
            let presence = crate::search::presence(&self.fields, &clause);
            let count = searcher
                .search(&presence, &Count)
                .map_err(Error::tantivy(&self.dir))?;
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
        if let Some(vocabulary) = self.vocabulary.get() {
            return Ok(vocabulary);
        }
        let han_terms = |field: Field| -> Result<Vec<String>> {
            let mut terms = HashSet::new();
            for segment in self.reader.searcher().segment_readers() {
                let inverted = segment
                    .inverted_index(field)
                    .map_err(Error::tantivy(&self.dir))?;
                let mut stream = inverted
                    .terms()
                    .stream()
                    .map_err(|e| Error::tantivy(&self.dir)(e.into()))?;
                while stream.advance() {
                    if let Ok(term) = std::str::from_utf8(stream.key()) {
                        if pinyin::is_han_term(term) {
                            terms.insert(term.to_owned());
                        }
                    }
                }
            }
            Ok(terms.into_iter().collect())
        };
        let words = han_terms(self.fields.text)?;
        let (chars, pairs): (Vec<String>, Vec<String>) = han_terms(self.fields.grams)?
            .into_iter()
            .partition(|g| g.chars().count() == 1);
        let vocabulary =
            Vocabulary::new(words.into_iter().chain(chars), pairs.into_iter().collect());
        Ok(self.vocabulary.get_or_init(|| vocabulary))
    }
}
