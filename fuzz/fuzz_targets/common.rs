//! Shared by the corpus format targets.

use std::path::PathBuf;

use declsearch::corpus::{CorpusFile, Format};

/// Read `bytes` as a file of `format`: an error must name the file; documents must have ids
/// and passages with text, numbered from 1 in order, on lines from 1.
pub fn read_as(format: Format, name: &str, bytes: &[u8]) {
    let file = CorpusFile {
        path: PathBuf::from(name),
        key: format!("fuzz/{name}"),
        relative: name.to_owned(),
        format,
    };
    match file.documents(bytes.to_vec()) {
        Err(err) => assert!(err.to_string().contains(name), "{err}"),
        Ok(documents) => {
            for document in documents {
                assert!(!document.passages.is_empty());
                for passage in &document.passages {
                    assert!(!passage.text.trim().is_empty(), "{passage:?}");
                    assert!(passage.number >= 1 && passage.line >= 1, "{passage:?}");
                }
            }
        }
    }
}
