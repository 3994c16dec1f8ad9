//! Decoding a file's bytes to text, in about the order a browser reads a page: a byte-order
//! mark decides; else an encoding forced for the run; else one the markup declares (`<meta
//! charset>`, `http-equiv`, an XML declaration) unless the bytes are valid UTF-8; else valid
//! UTF-8 is UTF-8; else a guess
//! (chardetng, decoded by encoding_rs: GBK/GB18030, Big5, Shift_JIS, EUC-KR, windows-125x, …),
//! kept only when it reads the bytes cleanly. Chinese files on Windows are GBK (mainland) or
//! Big5 (Taiwan, Hong Kong) as often as UTF-8, and web pages declare `gb2312`.

use encoding_rs::Encoding;

/// How to read a file's bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decoding {
    /// Where the file may declare its encoding.
    pub markup: Markup,
    /// An encoding to read every file in (a byte-order mark still wins).
    pub forced: Option<&'static Encoding>,
}

/// Where a file may declare its encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Markup {
    #[default]
    None,
    /// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">` in
    /// the first 1024 bytes.
    Html,
    /// `<?xml version="1.0" encoding="…"?>` at the start.
    Xml,
}

/// Text, and the encoding it was read in (encoding_rs's name: `UTF-8`, `GBK`, `Big5`,
/// `UTF-16LE`, … ; `UTF-32LE`/`UTF-32BE` for those byte-order marks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Why bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecodable {
    /// Not UTF-8 (the first bad byte is at `line`, byte `offset`), and no other encoding
    /// reads the bytes cleanly: `guess` is the detector's best and what is wrong with it.
    NotUtf8 {
        line: usize,
        offset: usize,
        guess: String,
    },
    /// Not text in the encoding a byte-order mark, the markup or the run named: undecodable
    /// bytes from `line` on.
    NotIn { encoding: &'static str, line: usize },
}

/// Share of characters, in thousandths, that may be replacement or control characters in a
/// guessed decoding before it counts as doubtful (a binary file, or a wrong guess).
const DOUBT_PER_MILLE: usize = 1;

/// Bytes at the start of an HTML file searched for a charset declaration (as browsers do).
const PRESCAN_BYTES: usize = 1024;

/// The text of `bytes`, read as `decoding` says (see the module docs for the order).
pub fn decode(bytes: Vec<u8>, decoding: &Decoding) -> Result<Decoded, Undecodable> {
    if let Some(decoded) = utf32_with_bom(&bytes) {
        return decoded;
    }
    if let Some((encoding, bom)) = Encoding::for_bom(&bytes) {
        return strictly(&bytes[bom..], encoding);
    }
    if let Some(encoding) = decoding.forced {
        return strictly(&bytes, encoding);
    }
    // Valid UTF-8 is UTF-8 even where a page declares a legacy encoding: a template's
    // `gb2312` over a file saved as UTF-8 is a common mislabel, and GBK text is almost never
    // valid UTF-8 (while UTF-8 Chinese is often valid GBK, as garbage).
    let (bytes, valid_up_to) = match String::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text,
                encoding: encoding_rs::UTF_8.name(),
            })
        }
        Err(err) => {
            let valid_up_to = err.utf8_error().valid_up_to();
            (err.into_bytes(), valid_up_to)
        }
    };
    let declared = match decoding.markup {
        Markup::None => None,
        Markup::Html => html_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)]),
        Markup::Xml => xml_encoding(&bytes),
    };
    match declared {
        Some(encoding) => strictly(&bytes, encoding),
        None => guess(&bytes, valid_up_to),
    }
}

/// The detector's guess for bytes that are not UTF-8 from byte `offset` on, if it reads them
/// cleanly.
fn guess(bytes: &[u8], offset: usize) -> Result<Decoded, Undecodable> {
    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let (mut chars, mut replaced, mut controls) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        chars += 1;
        match c {
            '\u{FFFD}' => replaced += 1,
            '\t' | '\n' | '\r' | '\u{0C}' => {}
            c if c.is_control() => controls += 1,
            _ => {}
        }
    }
    let allowed = chars * DOUBT_PER_MILLE / 1000;
    if replaced <= allowed && controls <= allowed {
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: encoding.name(),
        });
    }
    let mut problems = Vec::new();
    if replaced > allowed {
        problems.push(format!("{replaced} undecodable sequences"));
    }
    if controls > allowed {
        problems.push(format!("{controls} control characters (a binary file?)"));
    }
    Err(Undecodable::NotUtf8 {
        line,
        offset,
        guess: format!(
            "the best guess, {}, reads it with {}",
            encoding.name(),
            problems.join(" and ")
        ),
    })
}

/// `bytes` in `encoding`, or the line where they stop being text in it.
fn strictly(bytes: &[u8], encoding: &'static Encoding) -> Result<Decoded, Undecodable> {
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Decoded {
            text: text.into_owned(),
            encoding: encoding.name(),
        }),
        None => {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            let bad = text.find('\u{FFFD}').unwrap_or(text.len());
            Err(Undecodable::NotIn {
                encoding: encoding.name(),
                line: 1 + text[..bad].matches('\n').count(),
            })
        }
    }
}

/// UTF-32 by its byte-order mark (encoding_rs, after the Encoding Standard, has no UTF-32).
fn utf32_with_bom(bytes: &[u8]) -> Option<Result<Decoded, Undecodable>> {
    let (name, unit): (&'static str, fn([u8; 4]) -> u32) = match bytes.get(..4)? {
        [0xFF, 0xFE, 0, 0] => ("UTF-32LE", u32::from_le_bytes),
        [0, 0, 0xFE, 0xFF] => ("UTF-32BE", u32::from_be_bytes),
        _ => return None,
    };
    let mut text = String::with_capacity(bytes.len() / 4);
    for quad in bytes[4..].chunks(4) {
        let c = <[u8; 4]>::try_from(quad)
            .ok()
            .and_then(|q| char::from_u32(unit(q)));
        match c {
            Some(c) => text.push(c),
            None => {
                return Some(Err(Undecodable::NotIn {
                    encoding: name,
                    line: 1 + text.matches('\n').count(),
                }));
            }
        }
    }
    Some(Ok(Decoded {
        text,
        encoding: name,
    }))
}

/// The charset an HTML prescan finds in `head`: the first `<meta>` with `charset=` (as an
/// attribute, or inside `content`). A declared UTF-16 means UTF-8, as in browsers (the bytes
/// would have a byte-order mark otherwise): encoding_rs's output encoding.
fn html_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut at = 0;
    while let Some(found) = find(&lower[at..], b"<meta") {
        let start = at + found;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(label) = find(tag, b"charset").and_then(|i| value_after(&tag[i + 7..])) {
            if let Some(encoding) = Encoding::for_label(label) {
                return Some(encoding.output_encoding());
            }
        }
        at = end;
    }
    None
}

/// The encoding of an XML declaration at the very start of `bytes`.
fn xml_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    if !bytes.starts_with(b"<?xml") {
        return None;
    }
    let end = find(&bytes[..bytes.len().min(PRESCAN_BYTES)], b"?>")?;
    let declaration = &bytes[..end];
    let i = find(declaration, b"encoding")?;
    Encoding::for_label(value_after(&declaration[i + 8..])?)
}

/// The value after `=` (spaces allowed around it), quoted or up to a space, `;`, `/` or `>`.
fn value_after(rest: &[u8]) -> Option<&[u8]> {
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (quote, rest) = match rest.first()? {
        q @ (b'"' | b'\'') => (Some(*q), &rest[1..]),
        _ => (None, rest),
    };
    let end = rest
        .iter()
        .position(|&b| match quote {
            Some(q) => b == q,
            None => b.is_ascii_whitespace() || matches!(b, b';' | b'/' | b'>' | b'"' | b'\''),
        })
        .unwrap_or(rest.len());
    Some(rest[..end].trim_ascii()).filter(|v| !v.is_empty())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8]) -> Result<Decoded, Undecodable> {
        decode(bytes.to_vec(), &Decoding::default())
    }

    #[test]
    fn byte_order_marks_decide() {
        assert_eq!(plain(b"\xef\xbb\xbf\xe4\xb8\x8a").unwrap().text, "上");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("上合\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            plain(&le).unwrap(),
            Decoded {
                text: "上合\n".into(),
                encoding: "UTF-16LE"
            }
        );
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("SCO".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(plain(&be).unwrap().encoding, "UTF-16BE");
        let utf32: Vec<u8> = [0xFF, 0xFE, 0, 0]
            .into_iter()
            .chain("友城𠀀".chars().flat_map(|c| (c as u32).to_le_bytes()))
            .collect();
        assert_eq!(
            plain(&utf32).unwrap(),
            Decoded {
                text: "友城𠀀".into(),
                encoding: "UTF-32LE"
            }
        );
        // A byte-order mark wins over an encoding forced for the run.
        let forced = Decoding {
            forced: Some(encoding_rs::BIG5),
            ..Decoding::default()
        };
        assert_eq!(decode(le, &forced).unwrap().encoding, "UTF-16LE");
    }

    #[test]
    fn gbk_and_big5_are_recognised() {
        let simplified = "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。";
        let (gbk, _, _) = encoding_rs::GBK.encode(simplified);
        assert_eq!(
            plain(&gbk).unwrap(),
            Decoded {
                text: simplified.into(),
                encoding: "GBK"
            }
        );
        let traditional = "人人生而自由，在尊嚴和權利上一律平等。他們賦有理性和良心，並應以兄弟關係的精神相對待。";
        let (big5, _, _) = encoding_rs::BIG5.encode(traditional);
        assert_eq!(
            plain(&big5).unwrap(),
            Decoded {
                text: traditional.into(),
                encoding: "Big5"
            }
        );
    }

    #[test]
    fn markup_declarations_are_read() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><p>上合组织</p></body></html>";
        let (bytes, _, _) = encoding_rs::GBK.encode(page);
        let html = Decoding {
            markup: Markup::Html,
            ..Decoding::default()
        };
        assert_eq!(
            decode(bytes.to_vec(), &html).unwrap(),
            Decoded {
                text: page.into(),
                encoding: "GBK"
            }
        );
        assert_eq!(
            html_charset(b"<META CHARSET=big5>"),
            Some(encoding_rs::BIG5)
        );
        assert_eq!(
            html_charset(b"<meta charset='utf-16'>"),
            Some(encoding_rs::UTF_8)
        );
        assert_eq!(html_charset(b"<meta name=x><p>charset=gbk"), None);
        assert_eq!(
            xml_encoding(b"<?xml version=\"1.0\" encoding=\"GB18030\"?><a/>"),
            Some(encoding_rs::GB18030)
        );
        // Declared GBK but valid UTF-8: UTF-8.
        let mislabeled = "<meta charset=\"gbk\"><p>上合組織</p>";
        assert_eq!(
            decode(mislabeled.as_bytes().to_vec(), &html)
                .unwrap()
                .encoding,
            "UTF-8"
        );
    }

    #[test]
    fn binary_and_doubtful_bytes_are_refused_with_the_line_of_the_first_bad_byte() {
        let err = plain(b"ok\nbad \x00\x01\x02\x03\x04\xff\xfe\x05\x06\x07").unwrap_err();
        match err {
            Undecodable::NotUtf8 {
                line,
                offset,
                guess,
            } => {
                assert_eq!((line, offset), (2, 12));
                assert!(guess.contains("control characters"), "{guess}");
            }
            other => panic!("{other:?}"),
        }
        let forced = Decoding {
            forced: Some(encoding_rs::SHIFT_JIS),
            ..Decoding::default()
        };
        let err = decode(b"a\nb\n\x82".to_vec(), &forced).unwrap_err();
        assert_eq!(
            err,
            Undecodable::NotIn {
                encoding: "Shift_JIS",
                line: 3
            }
        );
    }
}
