//! `.jsonl`: one document per line, `{"id": ..., "text": ..., "title"?: ..., "lang"?: ...}`.
//!
//! `id` may be a string or a number. `title` is indexed beside every passage of the record.
//! `lang` takes a language tag.

use serde::Deserialize;

use super::{lang_of_tag, passage, record_passages, Document};

#[derive(Deserialize)]
struct Record {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

pub fn documents(text: &str) -> Result<Vec<Document>, (usize, String)> {
    let mut documents = Vec::new();
    each(text, &mut |group| documents.extend(group))?;
    Ok(documents)
}

/// Records handed to `group` at a time by [`each`].
const RECORDS_PER_GROUP: usize = 2048;

/// The documents of `text` in order, handed to `group` a few thousand records at a time. An
/// error names the first malformed record's line; the groups before it have been handed over.
pub fn each(text: &str, group: &mut dyn FnMut(Vec<Document>)) -> Result<(), (usize, String)> {
    feed(text, 0, group)
}

/// As [`each`], for a piece of a file cut at a line end whose first line is the file's line
/// `first_line` (0-based).
pub fn feed(
    text: &str,
    first_line: usize,
    group: &mut dyn FnMut(Vec<Document>),
) -> Result<(), (usize, String)> {
    let mut documents = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let i = first_line + i;
        if documents.len() >= RECORDS_PER_GROUP {
            group(std::mem::take(&mut documents));
        }
        let line_number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line).map_err(|e| {
            // serde counts lines within the record, which is always line 1 of its own text:
            // the file's line is `line_number`, and the column is what locates the fault.
            let what = e.to_string();
            let what = what.split(" at line ").next().unwrap_or_default();
            let reason = format!(
                "not a record with id and text: {what} (column {})",
                e.column()
            );
            (line_number, reason)
        })?;
        let id = match record.id {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            other => return Err((line_number, format!("id {other} is not a string or number"))),
        };
        let lang = match record.lang.as_deref() {
            None => None,
            Some(tag) => Some(
                lang_of_tag(tag)
                    .ok_or_else(|| (line_number, format!("unknown lang {tag:?}: use zh or en")))?,
            ),
        };
        documents.push(Document {
            id,
            title: record.title.as_deref().and_then(passage::title),
            passages: record_passages(&record.text, line_number, lang),
        });
    }
    if !documents.is_empty() {
        group(documents);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    #[test]
    fn records_become_documents() {
        let text = "{\"id\":\"p0\",\"title\":\"T\",\"text\":\"黑豹队的防守\"}\n\n{\"id\":7,\"text\":\"a\\n\\nb\",\"lang\":\"en\"}\n";
        let docs = documents(text).unwrap();
        assert_eq!(docs[0].id, "p0");
        assert_eq!(docs[0].passages[0].lang, Lang::Zh);
        assert_eq!(docs[1].id, "7");
        let lines: Vec<_> = docs[1]
            .passages
            .iter()
            .map(|p| (p.number, p.line, p.lang))
            .collect();
        assert_eq!(lines, [(1, 3, Lang::En), (2, 3, Lang::En)]);
    }

    #[test]
    fn a_bad_record_names_its_own_line_of_the_file_and_the_column() {
        let (line, reason) =
            documents("{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"b\"\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(reason.ends_with("(column 18)"), "{reason}");
        assert!(!reason.contains("line 1"), "{reason}");
    }

    #[test]
    fn a_bad_record_names_its_line() {
        assert_eq!(
            documents("{\"id\":1,\"text\":\"x\"}\n{\"id\":2}")
                .unwrap_err()
                .0,
            2
        );
        assert_eq!(
            documents("{\"id\":1,\"text\":\"x\",\"lang\":\"fr\"}")
                .unwrap_err()
                .0,
            1
        );
    }
}
