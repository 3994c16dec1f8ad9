//! XLM-R's tokenizer, as multilingual-e5 uses it: a SentencePiece unigram model.
//!
//! Text is normalised character by character (the model's map: compatibility forms, removed
//! controls), runs of spaces become one, a space is put in front unless the text starts with
//! one, and every space becomes the metaspace `▁`. The tokens are then the pieces whose scores
//! (log probabilities) sum highest over the whole text, found by a Viterbi search over
//! character positions; a character no piece covers is `<unk>`. Scores are summed in `f32`
//! and ties keep the first path found, so the tokens are the reference engine's.

use std::collections::HashMap;

/// The metaspace that stands for a space in pieces.
const METASPACE: char = '\u{2581}';

/// A SentencePiece unigram tokenizer.
#[derive(Debug)]
pub struct Tokenizer {
    ids: HashMap<Box<str>, u32>,
    scores: Vec<f32>,
    normalisation: HashMap<char, String>,
    longest_piece: usize,
    unk_score: f32,
    /// `<s>`, `</s>`, `<pad>`, `<unk>`.
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
}

impl Tokenizer {
    /// From the pieces (index = id) with their scores, the normalisation map, and the ids of
    /// `<s>`, `</s>`, `<pad>`, `<unk>`.
    pub fn new(
        pieces: &[&str],
        scores: &[f32],
        normalisation: HashMap<char, String>,
        [bos, eos, pad, unk]: [u32; 4],
    ) -> Tokenizer {
        let mut ids = HashMap::with_capacity(pieces.len());
        for (id, piece) in pieces.iter().enumerate() {
            if !piece.is_empty() {
                ids.entry(Box::from(*piece)).or_insert(id as u32);
            }
        }
        let lowest = scores.iter().copied().fold(f32::INFINITY, f32::min);
        Tokenizer {
            ids,
            scores: scores.to_vec(),
            normalisation,
            longest_piece: pieces.iter().map(|p| p.len()).max().unwrap_or(1).max(1),
            // An unknown character costs more than any piece, as in SentencePiece.
            unk_score: lowest - 10.0,
            bos,
            eos,
            pad,
            unk,
        }
    }

    /// Pieces in the vocabulary.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The text as the pieces see it: normalised, spaces collapsed, `▁` for each space and
    /// in front.
    fn normalise(&self, text: &str) -> String {
        let mut mapped = String::with_capacity(text.len() + 3);
        for c in text.chars() {
            match self.normalisation.get(&c) {
                Some(to) => mapped.push_str(to),
                None => mapped.push(c),
            }
        }
        let mut out = String::with_capacity(mapped.len() + 3);
        if !mapped.starts_with(' ') {
            out.push(METASPACE);
        }
        let mut after_space = false;
        for c in mapped.chars() {
            if c == ' ' {
                if !after_space {
                    out.push(METASPACE);
                }
                after_space = true;
            } else {
                out.push(c);
                after_space = false;
            }
        }
        out
    }

    /// The ids of the tokens of `text`, without `<s>` and `</s>`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let text = self.normalise(text);
        let starts: Vec<usize> = text
            .char_indices()
            .map(|(at, _)| at)
            .chain([text.len()])
            .collect();
        let n = starts.len() - 1;
        // best[e]: the highest score of a path over the first e characters, and its last
        // token (`None`: an unknown character) with where it starts.
        let mut best = vec![(f32::NEG_INFINITY, None::<u32>, 0usize); n + 1];
        best[0].0 = 0.0;
        for i in 0..n {
            let here = best[i].0;
            if here == f32::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                let piece = &text[starts[i]..starts[e]];
                if piece.len() > self.longest_piece {
                    break;
                }
                if let Some(&id) = self.ids.get(piece) {
                    let score = here + self.scores[id as usize];
                    if id != self.unk && score > best[e].0 {
                        best[e] = (score, Some(id), i);
                    }
                }
            }
            let unknown = here + self.unk_score;
            if unknown > best[i + 1].0 {
                best[i + 1] = (unknown, None, i);
            }
        }
        let mut tokens = Vec::new();
        let mut at = n;
        while at > 0 {
            let (_, id, from) = best[at];
            tokens.push(id.unwrap_or(self.unk));
            at = from;
        }
        tokens.reverse();
        tokens
    }

    /// Tokens the model reads for `text` as a query (`query: ` in front) or a passage
    /// (`passage: `), `<s>` and `</s>` included.
    pub fn token_count(&self, text: &str, query: bool) -> usize {
        let prefix = if query { "query: " } else { "passage: " };
        self.encode(&format!("{prefix}{text}")).len() + 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> Tokenizer {
        let pieces = [
            "<s>",
            "</s>",
            "<pad>",
            "<unk>",
            "▁",
            "▁上合",
            "上",
            "合",
            "组织",
            "▁a",
            "b",
            "▁ab",
        ];
        let scores = [
            0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -4.0, -4.0, -3.5, -2.0, -3.0, -4.5,
        ];
        let normalisation =
            HashMap::from([('\u{3000}', " ".to_owned()), ('\u{200B}', String::new())]);
        Tokenizer::new(&pieces, &scores, normalisation, [0, 1, 2, 3])
    }

    #[test]
    fn the_best_path_wins_and_unknown_characters_are_unk() {
        let t = tokenizer();
        // ▁上合 (-3) + 组织 (-3.5) beats ▁ + 上 + 合 + 组织.
        assert_eq!(t.encode("上合组织"), [5, 8]);
        // ▁ab (-4.5) beats ▁a + b (-5).
        assert_eq!(t.encode("ab"), [11]);
        // 国 is no piece: one <unk>.
        assert_eq!(t.encode("上合国"), [5, 3]);
        assert_eq!(t.token_count("ab", true), t.encode("query: ab").len() + 2);
    }

    #[test]
    fn spaces_collapse_and_normalise() {
        let t = tokenizer();
        assert_eq!(t.normalise("a  b"), "▁a▁b");
        assert_eq!(t.normalise(" a"), "▁a");
        assert_eq!(t.normalise("a\u{3000}\u{200B}b"), "▁a▁b");
        assert_eq!(t.normalise(""), "▁");
    }
}
