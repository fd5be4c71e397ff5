//! Text decoding: CSV exports from Chinese systems come as UTF-8, UTF-8 with BOM, UTF-16 (Excel's
//! "Unicode text") or GBK/GB18030. The bytes decide; nothing is guessed from the file name.
//!
//! A damaged file is still read: bytes that do not decode (one bad byte, a GBK part pasted under
//! a UTF-8 part) become U+FFFD and their places are reported, so the reader rejects only the rows
//! they fall in. A stray NUL byte stays in the text for the reader to find the same way.

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::{Error, Result};

/// The encoding a text file was found to be in (for a file with parts in two encodings, the one
/// most of its lines are in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

/// A decoded text file and where it is damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText {
    pub text: String,
    pub encoding: TextEncoding,
    /// Sorted byte offsets in `text` of each U+FFFD that stands for bytes that did not decode.
    pub damaged: Vec<usize>,
}

impl DecodedText {
    /// Whether some bytes did not decode or a NUL byte is in the text.
    pub fn is_damaged(&self) -> bool {
        !self.damaged.is_empty() || self.text.contains('\0')
    }
}

/// Decodes a text file, detecting its encoding. Binary content is an error, not garbage text;
/// damage is reported in [`DecodedText::damaged`] rather than refusing the whole file.
pub fn decode(file: &str, bytes: &[u8]) -> Result<DecodedText> {
    let done = |(text, damaged): (String, Vec<usize>), encoding| DecodedText {
        text,
        encoding,
        damaged,
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // The mark says UTF-8: lines that are not are damaged, not another encoding.
        return Ok(done(by_lines(rest, None), TextEncoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok(done(marking(UTF_16LE, rest), TextEncoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok(done(marking(UTF_16BE, rest), TextEncoding::Utf16Be));
    }
    if looks_binary(bytes) {
        return Err(Error::NotATable {
            file: file.to_string(),
            reason: "含有二进制内容，不是文本表格".into(),
        });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(done((s.to_string(), Vec::new()), TextEncoding::Utf8));
    }
    // Not UTF-8 as a whole. A line that reads as UTF-8 Chinese is near proof of UTF-8. (GBK
    // text can pass as UTF-8 — 一专业为之 do — but then reads as Hebrew or Latin letters, not
    // Chinese.) GB18030 reads most byte strings, so it only counts where UTF-8 fails.
    let lines = || bytes.split_inclusive(|b| *b == b'\n');
    let utf8_lines = lines()
        .filter(|l| std::str::from_utf8(l).is_ok_and(|s| s.chars().any(is_chinese)))
        .count();
    if utf8_lines == 0 {
        // The usual case, a whole GBK file. GB18030 is a superset of GBK and GB2312, so one
        // decoder covers all three.
        if let Some(text) = strict(GB18030, bytes) {
            return Ok(done((text, Vec::new()), TextEncoding::Gb18030));
        }
    }
    // Parts in two encodings, or damage: the encoding most lines are in decides.
    let gb_lines = lines()
        .filter(|l| std::str::from_utf8(l).is_err() && strict(GB18030, l).is_some())
        .count();
    if gb_lines > utf8_lines {
        Ok(done(by_lines(bytes, Some(GB18030)), TextEncoding::Gb18030))
    } else {
        Ok(done(by_lines(bytes, None), TextEncoding::Utf8))
    }
}

/// [`decode`] of a buffer the caller gives up: a UTF-8 file without a mark becomes the text
/// without a copy, which at a million rows is a gigabyte.
pub fn decode_owned(file: &str, bytes: Vec<u8>) -> Result<DecodedText> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return decode(file, &bytes);
    }
    let ((nuls_a, utf8_a), (nuls_b, utf8_b)) = by_halves(&bytes, |half| {
        (nuls(half), std::str::from_utf8(half).is_ok())
    });
    if too_many_nuls(nuls_a + nuls_b, bytes.len()) || !(utf8_a && utf8_b) {
        return decode(file, &bytes);
    }
    // SAFETY: both halves are UTF-8 and split where a character starts (see `by_halves`),
    // so the whole is: two UTF-8 strings joined are one.
    let text = unsafe { String::from_utf8_unchecked(bytes) };
    Ok(DecodedText {
        text,
        encoding: TextEncoding::Utf8,
        damaged: Vec::new(),
    })
}

/// Buffers from this many bytes are checked as two halves on two threads: checking a
/// 100,000-row file's UTF-8 took a tenth of a second on one core while the other waited.
const HALVES_FROM: usize = 1 << 20;

/// `check` of each half of `bytes`, split before a byte that is not a UTF-8 continuation byte
/// (in UTF-8 text, where a character starts); a small buffer is one "half" and an empty one.
fn by_halves<T: Send>(bytes: &[u8], check: impl Fn(&[u8]) -> T + Sync) -> (T, T) {
    if bytes.len() < HALVES_FROM {
        return (check(bytes), check(&[]));
    }
    let continuation = |b: u8| b & 0xC0 == 0x80;
    let mid = (bytes.len() / 2..bytes.len())
        .find(|&i| !continuation(bytes[i]))
        .unwrap_or(bytes.len());
    let (a, b) = bytes.split_at(mid);
    rayon::join(|| check(a), || check(b))
}

fn nuls(bytes: &[u8]) -> usize {
    memchr::memchr_iter(0, bytes).count()
}

/// A stray NUL is damage in one row; more, at 1% of the bytes or above, are a binary file (an
/// image, a renamed document, UTF-16 without its mark).
fn looks_binary(bytes: &[u8]) -> bool {
    too_many_nuls(nuls(bytes), bytes.len())
}

fn too_many_nuls(nuls: usize, len: usize) -> bool {
    nuls > 1 && nuls * 100 >= len
}

/// CJK ideographs and punctuation, full-width forms: what Chinese text is made of.
fn is_chinese(c: char) -> bool {
    ('\u{2E80}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

/// Decodes a text file that must be whole: any damage is an error naming the line.
pub fn decode_text(file: &str, bytes: &[u8]) -> Result<(String, TextEncoding)> {
    let decoded = decode(file, bytes)?;
    let first_bad = decoded
        .damaged
        .first()
        .copied()
        .into_iter()
        .chain(decoded.text.find('\0'))
        .min();
    match first_bad {
        None => Ok((decoded.text, decoded.encoding)),
        Some(at) => Err(Error::Decode {
            file: file.to_string(),
            reason: format!(
                "第{}行有无法识别的字节，不是有效的 {}",
                decoded.text[..at].matches('\n').count() + 1,
                encoding_name(decoded.encoding)
            ),
        }),
    }
}

fn encoding_name(e: TextEncoding) -> &'static str {
    match e {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => "UTF-8",
        TextEncoding::Utf16Le | TextEncoding::Utf16Be => "UTF-16",
        TextEncoding::Gb18030 => "GB18030",
    }
}

/// Decodes line by line. With `main` (GB18030), a line is read in it when it can be, else as
/// UTF-8 when it is; without, a line is read as UTF-8. What still fails is marked as damage.
/// Lines end at `\n`, which never occurs inside a UTF-8 or GB18030 character, so one bad line
/// cannot spill into the next.
fn by_lines(bytes: &[u8], main: Option<&'static Encoding>) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut damaged = Vec::new();
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if let Some(s) = main.and_then(|e| strict(e, line)) {
            text.push_str(&s);
        } else if let Ok(s) = std::str::from_utf8(line) {
            text.push_str(s);
        } else if let Some(encoding) = main {
            marking_into(encoding, line, &mut text, &mut damaged);
        } else {
            for chunk in line.utf8_chunks() {
                text.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    damaged.push(text.len());
                    text.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
    }
    (text, damaged)
}

/// Decodes all of `bytes`, each malformed sequence as one marked U+FFFD.
fn marking(encoding: &'static Encoding, bytes: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut damaged = Vec::new();
    marking_into(encoding, bytes, &mut text, &mut damaged);
    (text, damaged)
}

fn marking_into(
    encoding: &'static Encoding,
    bytes: &[u8],
    text: &mut String,
    damaged: &mut Vec<usize>,
) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut rest = bytes;
    loop {
        let room = decoder
            .max_utf8_buffer_length_without_replacement(rest.len())
            .unwrap_or(rest.len().saturating_mul(3));
        text.reserve(room.max(4));
        let (result, read) = decoder.decode_to_string_without_replacement(rest, text, true);
        rest = &rest[read..];
        match result {
            DecoderResult::InputEmpty => return,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(_, _) => {
                damaged.push(text.len());
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
}

fn strict(encoding: &'static Encoding, bytes: &[u8]) -> Option<String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
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
        let err = decode("x.csv", &[0x89, b'P', b'N', b'G', 0, 0, 1, 2, 0]).unwrap_err();
        assert!(err.to_string().contains("二进制"), "{err}");
    }

    #[test]
    fn a_buffer_given_up_decodes_as_a_borrowed_one() {
        let (gbk, _, _) = GB18030.encode("编号,内容\n1,贷款难\n");
        let mut pasted = "编号,内容\n1,融资\n".as_bytes().to_vec();
        pasted.extend_from_slice(&gbk);
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "编号\t内容\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let inputs: Vec<Vec<u8>> = vec![
            "编号,内容\n1,贷款难\n".into(),
            "\u{FEFF}编号\n1\n".into(),
            gbk.into_owned(),
            pasted,
            utf16,
            b"a,b\n1,\xFF\n2,x\0y\n".to_vec(),
            vec![0x89, b'P', b'N', b'G', 0, 0, 1, 2, 0],
        ];
        for bytes in inputs {
            let borrowed = decode("t.csv", &bytes).map_err(|e| e.to_string());
            let owned = decode_owned("t.csv", bytes).map_err(|e| e.to_string());
            assert_eq!(owned, borrowed);
        }
    }

    #[test]
    fn a_large_buffer_checked_by_halves_decodes_as_a_borrowed_one() {
        // Past HALVES_FROM, with the middle inside a three-byte character.
        let line = "12,融资难贷款慢\n";
        let mut text = String::from("编号,内容\n");
        while text.len() < HALVES_FROM + 7 {
            text.push_str(line);
        }
        let mid = text.len() / 2;
        assert!(!text.is_char_boundary(mid) || !text.is_char_boundary(mid + 1));
        let mut inputs: Vec<Vec<u8>> = vec![text.clone().into_bytes()];
        // A bad byte in either half, a character cut short just before the middle, a NUL.
        for (at, byte) in [(100, 0xFF), (text.len() - 50, 0xFF), (mid, b'a'), (mid, 0)] {
            let mut bytes = text.clone().into_bytes();
            let start = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap();
            bytes[start + 1] = byte;
            inputs.push(bytes);
        }
        for bytes in inputs {
            let borrowed = decode("t.csv", &bytes).map_err(|e| e.to_string());
            let owned = decode_owned("t.csv", bytes.clone()).map_err(|e| e.to_string());
            assert_eq!(owned, borrowed);
            let whole = std::str::from_utf8(&bytes).is_ok();
            let (a, b) = by_halves(&bytes, |half| std::str::from_utf8(half).is_ok());
            assert_eq!(a && b, whole);
        }
    }

    /// The decoded lines that hold damage.
    fn damaged_lines(d: &DecodedText) -> Vec<usize> {
        let mut lines: Vec<usize> = d
            .damaged
            .iter()
            .map(|&at| d.text[..at].matches('\n').count() + 1)
            .collect();
        lines.dedup();
        lines
    }

    #[test]
    fn one_bad_byte_damages_one_line() {
        let mut bytes = "编号,内容\n1,贷款难\n2,用地紧\n3,电价高\n"
            .as_bytes()
            .to_vec();
        let at = bytes.windows(3).position(|w| w == "用".as_bytes()).unwrap();
        bytes[at + 1] = 0xFF;
        let d = decode("t.csv", &bytes).unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf8);
        assert_eq!(damaged_lines(&d), vec![3]);
        assert!(d.text.contains("贷款难") && d.text.contains("电价高"));
        let err = decode_text("t.csv", &bytes).unwrap_err().to_string();
        assert!(err.contains("t.csv") && err.contains("第3行"), "{err}");
    }

    #[test]
    fn a_gbk_part_under_utf8_is_damage_not_mojibake() {
        let mut bytes = "编号,内容\n1,贷款难\n2,用地紧\n3,电价高\n"
            .as_bytes()
            .to_vec();
        let (gbk, _, _) = GB18030.encode("4,招工难\n");
        bytes.extend_from_slice(&gbk);
        let d = decode("t.csv", &bytes).unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf8);
        assert_eq!(damaged_lines(&d), vec![5]);
        assert!(d
            .text
            .starts_with("编号,内容\n1,贷款难\n2,用地紧\n3,电价高\n4,"));

        // Mostly GBK with one UTF-8 line: the UTF-8 line is read as UTF-8.
        let mut bytes = GB18030
            .encode("编号,内容\n1,贷款难\n2,用地紧\n")
            .0
            .into_owned();
        bytes.extend_from_slice("3,电价高\n".as_bytes());
        let d = decode("t.csv", &bytes).unwrap();
        assert_eq!(d.encoding, TextEncoding::Gb18030);
        assert!(d.damaged.is_empty());
        assert_eq!(d.text, "编号,内容\n1,贷款难\n2,用地紧\n3,电价高\n");
    }

    #[test]
    fn gbk_lines_that_pass_as_utf8_stay_gbk() {
        // 专业、为之 in GBK are valid UTF-8 (Hebrew and Latin letters); the file is GBK.
        let text = "编号,企业名称,内容\n1,恒通物流,贷款难\n2,专业,为之\n";
        let bytes = GB18030.encode(text).0.into_owned();
        let line = GB18030.encode("2,专业,为之\n").0.into_owned();
        assert!(std::str::from_utf8(&line).is_ok());
        let d = decode("t.csv", &bytes).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (text, TextEncoding::Gb18030));

        // Also beside a UTF-8 line: GBK is the file's main encoding and reads that line.
        let mut bytes = bytes;
        bytes.extend_from_slice("3,电价高\n".as_bytes());
        let d = decode("t.csv", &bytes).unwrap();
        assert_eq!(d.text, format!("{text}3,电价高\n"));
        assert!(d.damaged.is_empty());
    }

    #[test]
    fn a_stray_nul_stays_for_the_reader() {
        let text = "编号,内容\n1,贷款难\n2,用\0地紧\n3,电价高\n4,招工难\n5,物流贵\n";
        let d = decode("t.csv", text.as_bytes()).unwrap();
        assert_eq!(d.text, text);
        assert!(d.is_damaged());
        let err = decode_text("t.csv", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("第3行"), "{err}");
    }

    #[test]
    fn damaged_utf16_is_marked() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "编号\t内容\n1\t贷款难\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes.extend_from_slice(&[0x00, 0xD8, b'\n', 0]); // an unpaired surrogate
        let d = decode("t.txt", &bytes).unwrap();
        assert_eq!(damaged_lines(&d), vec![3]);
    }
}
