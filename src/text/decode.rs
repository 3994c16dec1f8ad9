//! Decoding a file's bytes to text.

/// Where bytes stop being text: the 1-based line and the byte offset of the first bad byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecodable {
    pub line: usize,
    pub offset: usize,
}

/// Text from UTF-8 (a byte-order mark dropped), or from UTF-16 when a byte-order mark says
/// so; otherwise an error naming the line of the first bad byte.
pub fn decode(bytes: Vec<u8>) -> Result<String, Undecodable> {
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(u16::from_le_bytes as fn([u8; 2]) -> u16),
        Some([0xFE, 0xFF]) => Some(u16::from_be_bytes as fn([u8; 2]) -> u16),
        _ => None,
    };
    if let Some(unit) = utf16 {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|pair| unit([pair[0], *pair.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16(&units).map_err(|_| Undecodable { line: 1, offset: 0 });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Undecodable { line, offset }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_and_utf16_decode() {
        assert_eq!(decode(b"\xef\xbb\xbf\xe4\xb8\x8a".to_vec()).unwrap(), "上");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("上合\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(le).unwrap(), "上合\n");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("SCO".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(be).unwrap(), "SCO");
        let err = decode(b"ok\nbad \xff".to_vec()).unwrap_err();
        assert!(err == Undecodable { line: 2, offset: 7 }, "{err:?}");
    }
}
