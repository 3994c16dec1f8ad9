//! The tantivy schema: one document per passage.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, INDEXED, STORED,
    STRING,
};
use tantivy::{doc, TantivyDocument};

use super::tokenizer::{CHAR_TOKENIZER, GRAM_TOKENIZER, INDEX_TOKENIZER};

/// The fields of a passage document.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Document id (file path without extension), exact.
    pub doc: Field,
    /// Source file path relative to the corpus root, exact.
    pub source: Field,
    /// 1-based passage number within the document.
    pub passage: Field,
    /// 1-based line of the passage's first character (of its page, in a paged format).
    pub line: Field,
    /// 1-based page of a passage of a paged format (PDF); absent for the others.
    pub page: Field,
    /// `zh` or `en`, exact.
    pub lang: Field,
    /// The original passage text, analysed into words with positions, and stored.
    pub text: Field,
    /// The same text analysed into Han character bigrams, with positions (a word's bigrams in
    /// order make it present inside a longer word).
    pub grams: Field,
    /// The same text analysed into single Han characters, with frequencies but no positions:
    /// they only score, and positions for 10 M characters cost indexing time.
    pub chars: Field,
    /// The document's title, if it has one, analysed into words with every passage.
    pub title: Field,
    /// The document's title as given, stored with its passage 1 only.
    pub doc_title: Field,
}

/// A passage document as stored in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassage {
    pub doc: String,
    pub source: String,
    pub passage: u64,
    pub line: u64,
    /// 0 for a format without pages.
    pub page: u64,
    pub lang: String,
    pub text: String,
    /// The document's title: indexed with every passage, stored with passage 1 only (read
    /// back empty from the others). Empty when the document has none.
    pub title: String,
}

impl Fields {
    /// The tantivy document for a passage.
    pub fn document(&self, p: &StoredPassage) -> TantivyDocument {
        let mut document = doc!(
            self.doc => p.doc.as_str(),
            self.source => p.source.as_str(),
            self.passage => p.passage,
            self.line => p.line,
            self.page => p.page,
            self.lang => p.lang.as_str(),
            self.text => p.text.as_str(),
            self.grams => p.text.as_str(),
            self.chars => p.text.as_str(),
            self.title => p.title.as_str(),
        );
        if p.passage == 1 && !p.title.is_empty() {
            document.add_text(self.doc_title, &p.title);
        }
        document
    }

    /// Read a stored passage back.
    pub fn read(&self, stored: &TantivyDocument) -> StoredPassage {
        let text = |field| {
            stored
                .get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let number = |field| {
            stored
                .get_first(field)
                .and_then(|v| v.as_u64())
                .unwrap_or_default()
        };
        StoredPassage {
            doc: text(self.doc),
            source: text(self.source),
            passage: number(self.passage),
            line: number(self.line),
            page: number(self.page),
            lang: text(self.lang),
            text: text(self.text),
            title: text(self.doc_title),
        }
    }

    pub fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let analysed = |tokenizer| {
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
        };
        let text_options = TextOptions::default()
            .set_indexing_options(analysed(INDEX_TOKENIZER))
            .set_stored();
        let title_options = TextOptions::default().set_indexing_options(analysed(INDEX_TOKENIZER));
        let gram_options = TextOptions::default().set_indexing_options(analysed(GRAM_TOKENIZER));
        let char_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CHAR_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            doc: builder.add_text_field("doc", STRING | STORED),
            source: builder.add_text_field("source", STRING | STORED),
            passage: builder.add_u64_field("passage", INDEXED | STORED),
            line: builder.add_u64_field("line", STORED),
            page: builder.add_u64_field("page", STORED),
            lang: builder.add_text_field("lang", STRING | STORED),
            text: builder.add_text_field("text", text_options),
            grams: builder.add_text_field("grams", gram_options),
            chars: builder.add_text_field("chars", char_options),
            title: builder.add_text_field("title", title_options),
            doc_title: builder.add_text_field("doc_title", STORED),
        };
        (builder.build(), fields)
    }

    /// The fields of an existing index's schema, or `None` if it is not ours.
    pub fn of(schema: &Schema) -> Option<Fields> {
        let field = |name| schema.get_field(name).ok();
        Some(Fields {
            doc: field("doc")?,
            source: field("source")?,
            passage: field("passage")?,
            line: field("line")?,
            page: field("page")?,
            lang: field("lang")?,
            text: field("text")?,
            grams: field("grams")?,
            chars: field("chars")?,
            title: field("title")?,
            doc_title: field("doc_title")?,
        })
    }
}
