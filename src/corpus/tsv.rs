//! `.tsv` with a header row.
//!
//! The id is the `id` column, or else the leading columns before the first text column joined
//! with `:` (`pcode article zh en` gives `A0000001:3`). Text comes from a `text` column, or
//! from language-named columns (`zh`, `en`, `zh_hant`, ...), each making a document of its
//! language. When two columns share a language (`zh_hant`, `zh_hans`), their documents' ids
//! carry the column name: `3#zh_hant`.

use super::{lang_of_tag, passage, record_passages, Document};
use crate::text::Lang;

struct TextColumn {
    index: usize,
    lang: Option<Lang>,
    suffix: Option<String>,
}

pub fn documents(text: &str) -> Result<Vec<Document>, (usize, String)> {
    let mut documents = Vec::new();
    each(text, &mut |group| documents.extend(group))?;
    Ok(documents)
}

/// The documents of `text` in order, handed to `group` a few thousand rows at a time (the
/// rows of a group are read on all cores). An error names the first malformed row's line;
/// the groups before it have been handed over.
pub fn each(text: &str, group: &mut dyn FnMut(Vec<Document>)) -> Result<(), (usize, String)> {
    Rows::default().feed(text, 0, group)
}

/// A table read a piece at a time: the header from the first line that is not blank, then
/// rows.
#[derive(Default)]
pub struct Rows {
    table: Option<Table>,
}

impl Rows {
    /// The documents of the rows of `text`, a piece of the file cut at a line end whose first
    /// line is the file's line `first_line` (0-based), handed to `group` a few thousand rows
    /// at a time.
    pub fn feed(
        &mut self,
        text: &str,
        first_line: usize,
        group: &mut dyn FnMut(Vec<Document>),
    ) -> Result<(), (usize, String)> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, line)| (first_line + i, line))
            .filter(|(_, line)| !line.trim().is_empty())
            .peekable();
        let table = match &self.table {
            Some(table) => table,
            None => match lines.next() {
                Some((_, header)) => self.table.insert(Table::of_header(header)?),
                None => return Ok(()),
            },
        };
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        while lines.peek().is_some() {
            let chunks: Vec<Vec<(usize, &str)>> = (0..threads)
                .map(|_| lines.by_ref().take(ROWS_PER_TASK).collect::<Vec<_>>())
                .filter(|chunk| !chunk.is_empty())
                .collect();
            let documents: Vec<_> = chunks.par_iter().map(|c| table.documents(c)).collect();
            for chunk in documents {
                group(chunk?);
            }
        }
        Ok(())
    }
}

/// Rows a thread turns into documents at a time: a large table is split over all cores, a
/// group of one such chunk per core at a time.
const ROWS_PER_TASK: usize = 2048;

/// What the header says about the rows.
struct Table {
    width: usize,
    id_columns: Vec<usize>,
    columns: Vec<TextColumn>,
    title_column: Option<usize>,
}

impl Table {
    /// What a header line says (an error is on line 1: a header is the first line that is
    /// not blank).
    fn of_header(header: &str) -> Result<Table, (usize, String)> {
        let names: Vec<&str> = header.split('\t').map(str::trim).collect();
        let mut columns: Vec<TextColumn> = names
            .iter()
            .enumerate()
            .filter_map(|(index, name)| {
                if name.eq_ignore_ascii_case("text") {
                    Some(TextColumn {
                        index,
                        lang: None,
                        suffix: None,
                    })
                } else {
                    lang_of_tag(name).map(|lang| TextColumn {
                        index,
                        lang: Some(lang),
                        suffix: None,
                    })
                }
            })
            .collect();
        let Some(first_text) = columns.first().map(|c| c.index) else {
            return Err((
                1,
                "the header has no text column (text, zh, en, ...)".into(),
            ));
        };
        for i in 0..columns.len() {
            if columns.iter().filter(|c| c.lang == columns[i].lang).count() > 1 {
                columns[i].suffix = Some(names[columns[i].index].to_owned());
            }
        }
        let title_column = names.iter().position(|n| n.eq_ignore_ascii_case("title"));
        let id_columns: Vec<usize> = match names.iter().position(|n| n.eq_ignore_ascii_case("id")) {
            Some(id) => vec![id],
            None if first_text > 0 => (0..first_text).collect(),
            None => return Err((1, "no id column and no key columns before the text".into())),
        };
        Ok(Table {
            width: names.len(),
            id_columns,
            columns,
            title_column,
        })
    }

    /// Documents of `rows` (0-based line index, line), or the first malformed row's line.
    fn documents(&self, rows: &[(usize, &str)]) -> Result<Vec<Document>, (usize, String)> {
        let mut documents = Vec::new();
        for &(i, line) in rows {
            let line_number = i + 1;
            let cells: Vec<&str> = line.split('\t').collect();
            if cells.len() != self.width {
                return Err((
                    line_number,
                    format!("{} fields where the header has {}", cells.len(), self.width),
                ));
            }
            let id = self
                .id_columns
                .iter()
                .map(|&c| cells[c].trim())
                .collect::<Vec<_>>()
                .join(":");
            for column in &self.columns {
                let passages = record_passages(cells[column.index], line_number, column.lang);
                if passages.is_empty() {
                    continue;
                }
                let id = match &column.suffix {
                    Some(suffix) => format!("{id}#{suffix}"),
                    None => id.clone(),
                };
                let title = self.title_column.and_then(|c| passage::title(cells[c]));
                documents.push(Document {
                    id,
                    title,
                    passages,
                });
            }
        }
        Ok(documents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(docs: &[Document]) -> Vec<(String, u32, Lang)> {
        docs.iter()
            .map(|d| (d.id.clone(), d.passages[0].line, d.passages[0].lang))
            .collect()
    }

    #[test]
    fn key_columns_and_language_columns() {
        let text = "pcode\tarticle\tzh\ten\nA01\t1\t中華民國之主權\tThe sovereignty\nA01\t2\t\tOnly English\n";
        assert_eq!(
            summary(&documents(text).unwrap()),
            [
                ("A01:1".into(), 2, Lang::Zh),
                ("A01:1".into(), 2, Lang::En),
                ("A01:2".into(), 3, Lang::En),
            ]
        );
    }

    #[test]
    fn shared_languages_carry_the_column_and_id_columns_win() {
        let text = "article\tzh_hant\tzh_hans\ten\n1\t人權\t人权\tRights\n";
        let ids: Vec<_> = documents(text).unwrap().into_iter().map(|d| d.id).collect();
        assert_eq!(ids, ["1#zh_hant", "1#zh_hans", "1"]);
        let text = "title\tid\ttext\nT\tx9\t內容\n";
        let doc = &documents(text).unwrap()[0];
        assert_eq!((doc.id.as_str(), doc.title.as_deref()), ("x9", Some("T")));
    }

    #[test]
    fn bad_rows_and_headers_name_their_line() {
        assert_eq!(documents("id\ttext\n1\ta\n2\n").unwrap_err().0, 3);
        assert_eq!(documents("a\tb\n1\t2\n").unwrap_err().0, 1);
    }
}
