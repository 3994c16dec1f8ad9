//! The plan of a search: what each clause contributes, as one tree that both builds the
//! tantivy query and renders the explanation, so `explain` shows what runs.
//!
//! **Keywords** (the default): every unit of every optional clause (see [`crate::query`]),
//! and every optional clause as a whole, adds [`TIER`] to the score of a passage where it is
//! present, on top of its BM25 score; the clause's bag of words and bigrams adds BM25 only.
//! One pass over the postings ranks passages with more units present first, the whole clause
//! in order above its units apart, and BM25 within a count. A passage must have at least one
//! unit present ([`Plan::threshold`]): a passage that shares only a bigram across two of
//! the query's words, or only single characters, is no hit. Required clauses (`+`, `--all`)
//! must have each of their units present, excluded ones (`-`) must not be present as typed.
//!
//! **Questions** ([`Query::is_question`]) rank by score alone: a passage is a hit when it
//! holds any word or bigram of an optional clause (a character of the question inside a
//! longer word of the passage only scores), and scores
//! its presences and its bag, the bag's words and bigrams counting
//! [`QUESTION_BAG_WEIGHT`] times. So a number typed apart from the sentence cannot outrank
//! what the sentence is about, and a sentence never present as a whole still finds its
//! answer.

use std::collections::HashSet;
use std::fmt;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur as TantivyOccur, PhraseQuery,
    Query as TantivyQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::tier::TierQuery;
use super::SearchOptions;
use crate::index::Fields;
use crate::query::{is_single_han, Clause, Occur, Query, Unit};

/// Score added by each present unit or whole clause of a keyword query. BM25 sums stay far
/// below it, so the count of present units decides the order; a power of two keeps the sum
/// exact in `f32`.
pub const TIER: f32 = 4096.0;
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
/// How many times a question's bag counts: it both admits a passage and scores it (measured
/// on CMRC2018 and XQuAD; see `docs/ranking.md`).
pub const QUESTION_BAG_WEIGHT: f32 = 2.0;

/// An indexed field, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Text,
    Grams,
    Chars,
    Title,
    Lang,
    Doc,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Grams => "grams",
            Field::Chars => "chars",
            Field::Title => "title",
            Field::Lang => "lang",
            Field::Doc => "doc",
        }
    }

    fn of(self, fields: &Fields) -> tantivy::schema::Field {
        match self {
            Field::Text => fields.text,
            Field::Grams => fields.grams,
            Field::Chars => fields.chars,
            Field::Title => fields.title,
            Field::Lang => fields.lang,
            Field::Doc => fields.doc,
        }
    }
}

/// A node of the plan's query tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// One term, scored by BM25 times `weight` (exact match, unscored, for `lang` and `doc`).
    Term {
        field: Field,
        text: String,
        weight: f32,
    },
    /// Terms at their relative positions (a phrase), or one term.
    Sequence {
        field: Field,
        terms: Vec<(usize, String)>,
    },
    /// Any of these; the scores of those that match add up.
    Any(Vec<Node>),
    /// All of these; their scores add up.
    All(Vec<Node>),
    /// The node's score times a weight.
    Boost(f32, Box<Node>),
    /// The node's score plus a constant where it matches.
    Tier(f32, Box<Node>),
    /// Matches like the node, adds nothing to the score.
    Filter(Box<Node>),
}

impl Node {
    fn term(field: Field, text: &str, weight: f32) -> Node {
        Node::Term {
            field,
            text: text.to_owned(),
            weight,
        }
    }

    /// `Any` of `nodes`, or the one node.
    fn any(mut nodes: Vec<Node>) -> Node {
        match nodes.len() {
            1 => nodes.remove(0),
            _ => Node::Any(nodes),
        }
    }

    /// The tantivy query of this node.
    pub fn build(&self, fields: &Fields) -> Box<dyn TantivyQuery> {
        let term =
            |field: Field, text: &str| tantivy::Term::from_field_text(field.of(fields), text);
        let boolean = |nodes: &[Node], occur: TantivyOccur| -> Box<dyn TantivyQuery> {
            Box::new(BooleanQuery::new(
                nodes.iter().map(|n| (occur, n.build(fields))).collect(),
            ))
        };
        match self {
            Node::Term {
                field: field @ (Field::Lang | Field::Doc),
                text,
                ..
            } => Box::new(TermQuery::new(term(*field, text), IndexRecordOption::Basic)),
            Node::Term {
                field,
                text,
                weight,
            } => {
                let query = TermQuery::new(term(*field, text), IndexRecordOption::WithFreqs);
                match *weight == 1.0 {
                    true => Box::new(query),
                    false => Box::new(BoostQuery::new(Box::new(query), *weight)),
                }
            }
            Node::Sequence { field, terms } => match terms.as_slice() {
                [(_, only)] => Box::new(TermQuery::new(
                    term(*field, only),
                    IndexRecordOption::WithFreqs,
                )),
                terms => Box::new(PhraseQuery::new_with_offset(
                    terms.iter().map(|(o, t)| (*o, term(*field, t))).collect(),
                )),
            },
            Node::Any(nodes) => boolean(nodes, TantivyOccur::Should),
            Node::All(nodes) => boolean(nodes, TantivyOccur::Must),
            Node::Boost(weight, node) => Box::new(BoostQuery::new(node.build(fields), *weight)),
            Node::Tier(bonus, node) => Box::new(TierQuery::new(node.build(fields), *bonus)),
            Node::Filter(node) => Box::new(ConstScoreQuery::new(node.build(fields), 0.0)),
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let join = |f: &mut fmt::Formatter, nodes: &[Node], by: &str| -> fmt::Result {
            write!(f, "(")?;
            for (i, node) in nodes.iter().enumerate() {
                if i > 0 {
                    write!(f, " {by} ")?;
                }
                write!(f, "{node}")?;
            }
            write!(f, ")")
        };
        match self {
            Node::Term {
                field,
                text,
                weight,
            } => match *weight == 1.0 || matches!(field, Field::Lang | Field::Doc) {
                true => write!(f, "{}:{text}", field.name()),
                false => write!(f, "{}:{text} ×{weight}", field.name()),
            },
            Node::Sequence { field, terms } => match terms.as_slice() {
                [(_, only)] => write!(f, "{}:{only}", field.name()),
                terms => {
                    let terms: Vec<String> =
                        terms.iter().map(|(p, t)| format!("{t}@{p}")).collect();
                    write!(f, "{}:\"{}\"", field.name(), terms.join(" "))
                }
            },
            Node::Any(nodes) => join(f, nodes, "OR"),
            Node::All(nodes) => join(f, nodes, "AND"),
            Node::Boost(weight, node) => write!(f, "{node} ×{weight}"),
            Node::Tier(bonus, node) => write!(f, "{node} +{bonus}"),
            Node::Filter(node) => write!(f, "{node} (no score)"),
        }
    }
}

/// How a part takes part in the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Must match; scores.
    Required,
    /// Scores where it matches; with no required part, at least one must match.
    Optional,
    /// Must not match.
    Excluded,
}

/// One part of a plan, and what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// 0-based clause it comes from; `None` for filters and the question gate.
    pub clause: Option<usize>,
    /// What it is: `whole`, `unit 上合`, `bag`, `gate`, `filter`, ...
    pub label: String,
    pub role: Role,
    pub node: Node,
}

/// The search a query becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub parts: Vec<Part>,
    /// Whether the query ranks as keywords (present units first) or as a question.
    pub keywords: bool,
    /// Hits score at least this: one present unit, for keywords without a required clause.
    pub threshold: Option<f32>,
    /// With [`SearchOptions::semantic`]: what is embedded, and the language passages must be
    /// in (see [`super::hybrid`]).
    pub semantic: Option<SemanticPart>,
}

/// The part of a plan that ranks by meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticPart {
    /// The query's words as typed ([`Query::semantic_text`]).
    pub text: String,
    /// `lang:` or [`SearchOptions::lang`].
    pub lang: Option<crate::text::Lang>,
}

impl Plan {
    pub fn new(query: &Query, options: &SearchOptions) -> Plan {
        let keywords = !query.is_question();
        let wants_meaning = options.semantic && !query.semantic_text.trim().is_empty();
        let mut plan = Plan {
            parts: Vec::new(),
            keywords,
            threshold: None,
            semantic: (wants_meaning && !query.lists_documents()).then(|| SemanticPart {
                text: query.semantic_text.clone(),
                lang: options.lang.or(query.lang),
            }),
        };
        let mut gate = Vec::new();
        let required = query.clauses.iter().any(|c| c.occur == Occur::Must);
        for (i, clause) in query.clauses.iter().enumerate() {
            let mut add = |label: String, role: Role, node: Node| {
                if node == Node::Any(Vec::new()) {
                    return;
                }
                plan.parts.push(Part {
                    clause: Some(i),
                    label,
                    role,
                    node,
                })
            };
            match clause.occur {
                Occur::MustNot => add("present".into(), Role::Excluded, presence(clause)),
                Occur::Must => {
                    let node = match clause.units.is_empty() {
                        true => presence(clause),
                        false => {
                            let each = Node::All(clause.units.iter().map(unit).collect());
                            let others = clause.alternatives.iter().map(expansion_presence);
                            Node::any(std::iter::once(each).chain(others).collect())
                        }
                    };
                    add("present".into(), Role::Required, node);
                    if !clause.units.is_empty() && keywords {
                        let whole = Node::Tier(TIER, Box::new(presence(clause)));
                        add("whole".into(), Role::Optional, whole);
                    }
                    add("bag".into(), Role::Optional, bag(clause, Bag::All, 1.0));
                }
                Occur::Should if keywords => {
                    let mut bag = bag(clause, Bag::Words, 1.0);
                    for u in &clause.units {
                        let node = Node::Tier(TIER, Box::new(absorb(unit(u), &mut bag)));
                        add(format!("unit {}", u.text), Role::Optional, node);
                    }
                    let whole = match clause.units.is_empty() {
                        true => absorb(presence(clause), &mut bag),
                        false => whole(clause),
                    };
                    let whole = Node::Tier(TIER, Box::new(whole));
                    add("whole".into(), Role::Optional, whole);
                    add("bag".into(), Role::Optional, bag);
                }
                Occur::Should => {
                    add("present".into(), Role::Optional, presence(clause));
                    match required {
                        true => add("bag".into(), Role::Optional, bag(clause, Bag::All, 1.0)),
                        false => {
                            gate.push(bag(clause, Bag::Admitting, QUESTION_BAG_WEIGHT));
                            // A clause whose characters stand alone between punctuation
                            // (`房？...《格`) has no bigram, and its characters may sit inside
                            // longer words of the passage (心房, 格斗): a passage holding every
                            // one of them is admitted too, so that the clause's literal text
                            // always finds its passage. They score in the bag below.
                            if clause.bigrams.is_empty() && !clause.unigrams.is_empty() {
                                let each = (clause.unigrams.iter())
                                    .map(|(_, c)| Node::term(Field::Chars, c, 0.0))
                                    .collect();
                                gate.push(Node::All(each));
                            }
                            let chars = bag(clause, Bag::Chars, QUESTION_BAG_WEIGHT);
                            add("bag, characters".into(), Role::Optional, chars);
                        }
                    }
                }
            }
        }
        if !gate.is_empty() {
            plan.parts.push(Part {
                clause: None,
                label:
                    "gate: any word, bigram or bag, or every character of a clause without bigrams"
                        .into(),
                role: Role::Required,
                node: Node::any(gate),
            });
        }
        if keywords && !required && !query.lists_documents() {
            plan.threshold = Some(TIER);
        }
        for lang in [options.lang, query.lang].into_iter().flatten() {
            plan.parts.push(Part {
                clause: None,
                label: "filter".into(),
                role: Role::Required,
                node: Node::Filter(Box::new(Node::term(Field::Lang, lang.as_str(), 1.0))),
            });
        }
        if !query.docs.is_empty() {
            let docs = query.docs.iter().map(|id| Node::term(Field::Doc, id, 1.0));
            plan.parts.push(Part {
                clause: None,
                label: "filter".into(),
                role: Role::Required,
                node: Node::Filter(Box::new(Node::any(docs.collect()))),
            });
        }
        plan
    }

    /// The tantivy query of the whole plan. Without a required part, the optional parts go
    /// under one required union, so that filters alone never make a hit.
    pub fn query(&self, fields: &Fields) -> Box<dyn TantivyQuery> {
        let mut clauses: Vec<(TantivyOccur, Box<dyn TantivyQuery>)> = Vec::new();
        let required = self
            .parts
            .iter()
            .any(|p| p.role == Role::Required && !matches!(p.node, Node::Filter(_)));
        let mut optional = Vec::new();
        for part in &self.parts {
            let query = part.node.build(fields);
            match part.role {
                Role::Required => clauses.push((TantivyOccur::Must, query)),
                Role::Excluded => clauses.push((TantivyOccur::MustNot, query)),
                Role::Optional if required => clauses.push((TantivyOccur::Should, query)),
                Role::Optional => optional.push((TantivyOccur::Should, query)),
            }
        }
        if !optional.is_empty() {
            clauses.push((TantivyOccur::Must, Box::new(BooleanQuery::new(optional))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// What a passage found by meaning alone must satisfy: the required clauses, the
    /// filters and the exclusions (not the question gate, nor the threshold, which are about
    /// words); `None` when there are none.
    pub fn constraints(&self, fields: &Fields) -> Option<Box<dyn TantivyQuery>> {
        let mut clauses: Vec<(TantivyOccur, Box<dyn TantivyQuery>)> = Vec::new();
        for part in &self.parts {
            let hard = part.clause.is_some() || matches!(part.node, Node::Filter(_));
            match part.role {
                Role::Required if hard => {
                    clauses.push((TantivyOccur::Must, part.node.build(fields)))
                }
                Role::Excluded => clauses.push((TantivyOccur::MustNot, part.node.build(fields))),
                _ => {}
            }
        }
        if clauses.is_empty() {
            return None;
        }
        if clauses
            .iter()
            .all(|(occur, _)| *occur == TantivyOccur::MustNot)
        {
            clauses.push((TantivyOccur::Must, Box::new(tantivy::query::AllQuery)));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// A query that matches exactly the plan's hits, for counting them: [`Plan::query`],
    /// or where a threshold asks for one present unit, the union of the tier parts under
    /// the plan's filters and exclusions.
    pub fn matching(&self, fields: &Fields) -> Box<dyn TantivyQuery> {
        if self.threshold.is_none() {
            return self.query(fields);
        }
        let tiers = self
            .tier_parts()
            .map(|part| (TantivyOccur::Should, part.node.build(fields)))
            .collect();
        let mut clauses: Vec<(TantivyOccur, Box<dyn TantivyQuery>)> =
            vec![(TantivyOccur::Must, Box::new(BooleanQuery::new(tiers)))];
        for part in &self.parts {
            match part.role {
                Role::Required => clauses.push((TantivyOccur::Must, part.node.build(fields))),
                Role::Excluded => clauses.push((TantivyOccur::MustNot, part.node.build(fields))),
                Role::Optional => {}
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The same search as [`Plan::query`] for a plan whose every hit scores one tier: one
    /// optional part, a union of single terms, and nothing else that could match (a bag of
    /// title words only, where `titles` says the index has none). Then it is a plain union
    /// of term queries, which tantivy ranks with block-WAND, skipping most postings; each
    /// hit's score is that union's plus [`TIER`].
    pub fn term_union(&self, fields: &Fields, titles: bool) -> Option<Box<dyn TantivyQuery>> {
        if !self.keywords || self.threshold.is_none() {
            return None;
        }
        let mut tiers = self.tier_parts();
        let (Some(only), None) = (tiers.next(), tiers.next()) else {
            return None;
        };
        let others_match_nothing = self.parts.iter().all(|part| match &part.node {
            Node::Tier(..) => true,
            Node::Any(nodes) if part.role == Role::Optional => nodes.iter().all(|n| {
                !titles
                    && matches!(
                        n,
                        Node::Term {
                            field: Field::Title,
                            ..
                        }
                    )
            }),
            _ => false,
        });
        let Node::Tier(_, inner) = &only.node else {
            return None;
        };
        let leaves = match inner.as_ref() {
            Node::Any(leaves) => leaves.as_slice(),
            leaf => std::slice::from_ref(leaf),
        };
        let terms = leaves.iter().all(|n| matches!(n, Node::Term { .. }));
        (others_match_nothing && terms).then(|| inner.build(fields))
    }

    /// [`Plan::query`] with every unit and whole clause required: its hits have every part
    /// present, the most any passage can have, so when they fill a page no other passage
    /// can rank among them. An intersection, cheap where one part is rare. `None` when the
    /// plan has fewer than two such parts (nothing to gain).
    pub fn everything_present(&self, fields: &Fields) -> Option<Box<dyn TantivyQuery>> {
        if !self.keywords || self.tiers() < 2 {
            return None;
        }
        let clauses = self.parts.iter().map(|part| {
            let occur = match (&part.node, part.role) {
                (Node::Tier(..), _) | (_, Role::Required) => TantivyOccur::Must,
                (_, Role::Optional) => TantivyOccur::Should,
                (_, Role::Excluded) => TantivyOccur::MustNot,
            };
            (occur, part.node.build(fields))
        });
        Some(Box::new(BooleanQuery::new(clauses.collect())))
    }

    /// The number of units and whole clauses a passage can have present at most.
    pub fn tiers(&self) -> usize {
        self.tier_parts().count()
    }

    /// The parts that add a tier: units and whole clauses.
    fn tier_parts(&self) -> impl Iterator<Item = &Part> {
        self.parts
            .iter()
            .filter(|p| matches!(p.node, Node::Tier(..)))
    }

    /// One line a part, and how passages are ranked: the `tree` of `explain`.
    pub fn lines(&self, query: &Query) -> Vec<String> {
        let mut lines = Vec::new();
        for part in &self.parts {
            let role = match part.role {
                Role::Required => "must",
                Role::Optional => "should",
                Role::Excluded => "must_not",
            };
            let label = match part.clause {
                Some(i) => format!("clause {} {:?} [{role}]", i + 1, query.clauses[i].source),
                None => format!("[{role}]"),
            };
            lines.push(format!("{label} {}: {}", part.label, part.node));
        }
        if self.keywords && self.tiers() > 1 {
            lines.push(format!(
                "run: first with all {} units and whole clauses required; when that fills the \
                 page no other passage can rank higher, else the query above",
                self.tiers()
            ));
        }
        lines.push(match (self.keywords, self.threshold) {
            (true, Some(tier)) => format!(
                "rank: by score in one pass; each present unit or whole clause adds {tier}, \
                 so passages with more of the query rank first; hits have at least one"
            ),
            (true, None) => format!(
                "rank: passages with every required clause, by score in one pass; each present \
                 unit or whole optional clause adds {TIER}"
            ),
            (false, _) => "rank: by score alone (a question): presences and bags add up".into(),
        });
        if let Some(part) = &self.semantic {
            let (same, cross) = super::hybrid::weights();
            lines.push(format!(
                "semantic: {:?} embedded as a query and compared with every passage's vector; \
                 the best {depth} by cosine and the best {depth} above, each min-max \
                 normalised, mixed as (1 - w) × lexical + w × dense, w = {same} for a passage \
                 in the query's language ({}), {cross} for one in the other",
                part.text,
                crate::text::Lang::detect(&part.text),
                depth = super::hybrid::DEPTH,
            ));
        }
        lines
    }
}

/// Where a unit is present: as a word or words, or, for Han text, as its characters in order
/// (a single character wherever it occurs).
fn unit(unit: &Unit) -> Node {
    if !unit.han {
        return Node::Sequence {
            field: Field::Text,
            terms: unit.terms.clone(),
        };
    }
    if unit.bigrams.is_empty() {
        return Node::term(Field::Chars, &unit.text, PRESENCE_WEIGHT);
    }
    let grams = Node::Sequence {
        field: Field::Grams,
        terms: unit.bigrams.clone(),
    };
    if unit.terms.len() > 1 {
        // A run of single characters: its bigrams in order are exactly where it stands (a
        // phrase over its one-character words would also match across punctuation).
        return Node::Boost(PRESENCE_WEIGHT, Box::new(grams));
    }
    let words = Node::Sequence {
        field: Field::Text,
        terms: unit.terms.clone(),
    };
    Node::Boost(PRESENCE_WEIGHT, Box::new(Node::Any(vec![words, grams])))
}

/// Where a keyword clause of several units stands whole, in order: for Han text its bigrams
/// in order (a phrase over its words as well would read the same positions twice, and match
/// across punctuation besides), else its words in order.
fn whole(clause: &Clause) -> Node {
    if !clause.han_only || clause.bigrams.is_empty() || !clause.alternatives.is_empty() {
        return presence(clause);
    }
    let grams = Node::Sequence {
        field: Field::Grams,
        terms: clause.bigrams.clone(),
    };
    Node::Boost(PRESENCE_WEIGHT, Box::new(grams))
}

/// Where one form of a clause is present as a whole: its words in order, or for Han text its
/// bigrams in order. A typed single Han character is present wherever it occurs (`灯` in
/// `大灯`); an expansion's (a translation, a pinyin reading) only as a word, since it stands
/// for a word.
fn form_presence(form: &Clause, typed: bool) -> Node {
    if typed && form.is_single_char() {
        return Node::term(Field::Chars, &form.terms[0].1, PRESENCE_WEIGHT);
    }
    let grams = Node::Sequence {
        field: Field::Grams,
        terms: form.bigrams.clone(),
    };
    let single_characters = form.terms.iter().all(|(_, t)| is_single_han(t));
    if typed && form.han_only && !form.bigrams.is_empty() && single_characters {
        // A typed run of single characters (`其应`, `应由该`): its bigrams in order stand
        // wherever its one-character words stand in order, so the phrase over those common
        // words would read long position lists to match nothing more (as for such a unit).
        // A translation keeps both: its score is weighed against the typed words'.
        return Node::Boost(PRESENCE_WEIGHT, Box::new(grams));
    }
    let mut ways = vec![Node::Sequence {
        field: Field::Text,
        terms: form.terms.clone(),
    }];
    if form.han_only && !form.bigrams.is_empty() {
        ways.push(grams);
    }
    Node::Boost(PRESENCE_WEIGHT, Box::new(Node::any(ways)))
}

/// Where a clause is present as a whole, as typed or in any of its expansions.
pub(crate) fn presence(clause: &Clause) -> Node {
    let expansions = clause.alternatives.iter().map(|a| form_presence(a, false));
    Node::any(
        std::iter::once(form_presence(clause, true))
            .chain(expansions)
            .collect(),
    )
}

/// Where an expansion of a clause occurs as a word: what query expansion counts.
pub(crate) fn expansion_presence(form: &Clause) -> Node {
    form_presence(form, false)
}

/// `presence` with the terms of `bag` that it scores already taken into it: a presence
/// that is one term, or any of single terms, and a bag term on the same field and text
/// score the same BM25, so one scorer with the summed weight gives the same score for half
/// the postings work.
fn absorb(presence: Node, bag: &mut Node) -> Node {
    let Node::Any(terms) = bag else {
        return presence;
    };
    let (weight, leaves) = match presence {
        Node::Boost(weight, inner) => match *inner {
            Node::Any(leaves) => (weight, leaves),
            leaf => (weight, vec![leaf]),
        },
        leaf => (1.0, vec![leaf]),
    };
    let single = |leaf: &Node| match leaf {
        Node::Sequence { field, terms } if terms.len() == 1 => Some((*field, terms[0].1.clone())),
        Node::Term {
            field,
            text,
            weight: w,
        } if *w == 1.0 => Some((*field, text.clone())),
        _ => None,
    };
    if leaves.iter().any(|leaf| single(leaf).is_none()) {
        let rebuilt = match leaves.len() {
            1 => leaves.into_iter().next().expect("one leaf"),
            _ => Node::Any(leaves),
        };
        return Node::Boost(weight, Box::new(rebuilt));
    }
    let merged = leaves
        .into_iter()
        .filter_map(|leaf| single(&leaf))
        .map(|(field, text)| {
            let mut total = weight;
            terms.retain(|t| match t {
                Node::Term {
                    field: f,
                    text: x,
                    weight: w,
                } if *f == field && *x == text => {
                    total += w;
                    false
                }
                _ => true,
            });
            Node::Term {
                field,
                text,
                weight: total,
            }
        })
        .collect();
    Node::any(merged)
}

/// Which terms of a clause's bag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bag {
    /// Words, bigrams, characters and title words.
    All,
    /// Words of two or more characters and English words, bigrams and title words, and the
    /// character of a one-character clause: what keyword ranking scores besides presence.
    Words,
    /// What admits a passage to a question's hits: its words, single-character words
    /// included (`蓍的别名是什么？` must find the passage on `蓍`), bigrams, title words and
    /// the characters of its expansions; a typed character inside a longer word of the
    /// passage does not.
    Admitting,
    /// What a question scores besides [`Bag::Admitting`]: the rest of its characters.
    Chars,
}

/// Each distinct term of a clause and its alternatives that `which` takes, scored by BM25
/// times its weight and `scale`.
fn bag(clause: &Clause, which: Bag, scale: f32) -> Node {
    let one_char = clause.is_single_char();
    // Characters of an expansion admit a question's passage: a translation stands for the
    // word it glosses, which a passage may hold inside a longer word (奖 in 奖项).
    let expanded: HashSet<&str> = clause
        .alternatives
        .iter()
        .flat_map(|a| &a.unigrams)
        .map(|(_, t)| t.as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut nodes = Vec::new();
    type Part = fn(&Clause) -> &Vec<(usize, String)>;
    let (words, bigrams, chars): (Part, Part, Part) =
        (|c| &c.terms, |c| &c.bigrams, |c| &c.unigrams);
    for (field, part, weight) in [
        (Field::Text, words, WORD_WEIGHT),
        (Field::Grams, bigrams, BIGRAM_WEIGHT),
        (Field::Chars, chars, UNIGRAM_WEIGHT),
        (Field::Title, words, TITLE_WEIGHT),
    ] {
        for (_, text) in clause.forms().flat_map(part) {
            let admits = field != Field::Chars || one_char || expanded.contains(text.as_str());
            let wanted = match which {
                Bag::All => true,
                Bag::Words => !(field == Field::Chars || is_single_han(text)) || one_char,
                Bag::Admitting => admits,
                Bag::Chars => !admits,
            };
            if wanted && seen.insert((field, text.as_str())) {
                nodes.push(Node::term(field, text, weight * scale));
            }
        }
    }
    Node::Any(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Analyzer;

    fn clause(text: &str) -> Clause {
        let query = Query::parse(text, &Analyzer::new(None)).unwrap();
        query.clauses.into_iter().next().unwrap()
    }

    #[test]
    fn a_run_of_single_characters_is_present_by_its_bigrams_alone() {
        // jieba leaves 其 應 as words of one character each: the phrase over them would read
        // both characters' positions everywhere, for passages the bigram 其应 already finds.
        let run = clause("其應");
        assert!(run.terms.iter().all(|(_, t)| is_single_han(t)));
        assert_eq!(presence(&run).to_string(), "grams:其应 ×1");
        // A clause with a word of two characters is still present as that word, too.
        let words = clause("條規定");
        let shown = presence(&words).to_string();
        assert!(shown.contains("text:\"条@0 规定@1\""), "{shown}");
        assert!(shown.contains("grams:\"条规@0 规定@1\""), "{shown}");
    }
}
