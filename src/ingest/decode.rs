//! Text decoding: CSV exports from Chinese systems come as UTF-8, UTF-8 with BOM, UTF-16 (Excel's
//! "Unicode text") or GBK/GB18030. The bytes decide; nothing is guessed from the file name.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::{Error, Result};

/// The encoding a text file was found to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

/// Decodes a text file, detecting its encoding. Binary content is an error, not garbage text.
pub fn decode_text(file: &str, bytes: &[u8]) -> Result<(String, TextEncoding)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(file, rest).map(|s| (s, TextEncoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return strict(file, UTF_16LE, rest).map(|s| (s, TextEncoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return strict(file, UTF_16BE, rest).map(|s| (s, TextEncoding::Utf16Be));
    }
    if bytes.contains(&0) {
        return Err(Error::NotATable {
            file: file.to_string(),
            reason: "含有二进制内容，不是文本表格".into(),
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), TextEncoding::Utf8)),
        // GB18030 is a superset of GBK and GB2312, so one decoder covers all three.
        Err(_) => strict(file, GB18030, bytes).map(|s| (s, TextEncoding::Gb18030)),
    }
}

fn utf8(file: &str, bytes: &[u8]) -> Result<String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|e| Error::Decode {
            file: file.to_string(),
            reason: format!("有 UTF-8 标记但第{}字节无效", e.valid_up_to()),
        })
}

fn strict(file: &str, encoding: &'static Encoding, bytes: &[u8]) -> Result<String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or_else(|| Error::Decode {
            file: file.to_string(),
            reason: format!("既不是 UTF-8，也不是有效的 {}", encoding.name()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_gbk() {
        let (bytes, _, _) = GB18030.encode("企业名称,意见建议\n恒通物流,贷款难\n");
        let (text, enc) = decode_text("t.csv", &bytes).unwrap();
        assert_eq!(enc, TextEncoding::Gb18030);
        assert!(text.contains("贷款难"));
    }

    #[test]
    fn strips_utf8_bom() {
        let (text, enc) = decode_text("t.csv", "\u{FEFF}编号\n1\n".as_bytes()).unwrap();
        assert_eq!(enc, TextEncoding::Utf8Bom);
        assert_eq!(text, "编号\n1\n");
    }

    #[test]
    fn decodes_utf16le() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "编号\t内容\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, enc) = decode_text("t.txt", &bytes).unwrap();
        assert_eq!(enc, TextEncoding::Utf16Le);
        assert_eq!(text, "编号\t内容\n");
    }

    #[test]
    fn binary_is_an_error() {
        let err = decode_text("x.csv", &[1, 2, 0, 3, 0xFF]).unwrap_err();
        assert!(err.to_string().contains("x.csv"), "{err}");
    }
}
