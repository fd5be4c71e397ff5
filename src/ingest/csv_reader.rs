//! CSV and TSV: the delimiter is sniffed from the header line; rows are numbered as Excel shows
//! them when it opens the file (header = row 1, a blank line is a row, a quoted cell over several
//! lines is one row). A row with damaged bytes or a NUL is rejected alone; the rest is read.

use rayon::prelude::*;

use super::decode::DecodedText;
use super::table::{Table, TableBuilder};
use crate::{Error, Result};

/// Why a row holding undecodable bytes is rejected.
pub(super) const DAMAGED: &str = "有无法识别的字节（可能混入了其他编码的文字，或文件已损坏）";
/// Why a row holding a NUL byte is rejected.
pub(super) const NUL: &str = "含有空字符（NUL），文件可能已损坏";

/// Parses CSV text into a table.
#[cfg(test)]
pub fn read(file: &str, text: &str) -> Result<Table> {
    parse(file, text, &[])
}

/// Parses a decoded file into a table; rows with damage ([`DecodedText::damaged`]) or a NUL are
/// rejected with the reason.
pub fn read_decoded(file: &str, decoded: &DecodedText) -> Result<Table> {
    parse(file, &decoded.text, &decoded.damaged)
}

/// `damaged`: sorted byte offsets in `text`.
fn parse(file: &str, text: &str, damaged: &[usize]) -> Result<Table> {
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    // The most frequent candidate in the header line; a comma when none occurs.
    let delimiter = [b',', b'\t', b';', b'|']
        .into_iter()
        .map(|d| (first_line.bytes().filter(|b| *b == d).count(), d))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, d)| (*n, std::cmp::Reverse(*d)))
        .map_or(b',', |(_, d)| d);
    let records = read_records(text, delimiter, SPLIT_FROM);

    let bytes = text.as_bytes();
    let mut table = TableBuilder::with_capacity(records.len());
    // Excel's row of a record: the line it starts on, less the extra lines of the multi-line
    // cells above it. The csv crate skips blank lines, so its record count cannot be used.
    let starts = record_starts(bytes, &records);
    // Each record ends where the next starts.
    let ends: Vec<usize> = records
        .iter()
        .skip(1)
        .map(|(s, _)| *s)
        .chain([bytes.len()])
        .collect();
    // Counted on all threads (one pass over the text each), added up in order below.
    let counts: Vec<(usize, usize, Option<&str>)> = (0..records.len())
        .into_par_iter()
        .map(|i| {
            let before = if i == 0 { 0 } else { starts[i - 1] };
            let breaks = line_breaks(bytes, before, starts[i]);
            let Ok(cells) = &records[i].1 else {
                return (breaks, 0, None);
            };
            let inner = cells
                .iter()
                .map(|c| line_breaks(c.as_bytes(), 0, c.len()))
                .sum::<usize>();
            let damage = if damaged_between(damaged, starts[i], ends[i]) {
                Some(DAMAGED)
            } else if cells.iter().any(|c| c.contains('\0')) {
                Some(NUL)
            } else {
                None
            };
            (breaks, inner, damage)
        })
        .collect();
    let (mut breaks_before, mut inner_breaks) = (0, 0);
    for ((_, cells), (breaks, inner, damage)) in records.into_iter().zip(counts) {
        breaks_before += breaks;
        let row = (1 + breaks_before).saturating_sub(inner_breaks).max(1);
        inner_breaks += inner;
        match cells {
            Ok(cells) => {
                let cells = match damage {
                    Some(_) => cells.iter().map(|c| c.replace('\0', "\u{FFFD}")).collect(),
                    None => cells,
                };
                table.push_damaged(row, cells, damage.map(str::to_string));
            }
            Err(reason) => table.push_problem(row, reason),
        }
    }
    let table = table.finish(file).ok_or_else(|| Error::NotATable {
        file: file.to_string(),
        reason: "没有表头行".into(),
    })?;
    if table.headers.len() < 2 {
        return Err(Error::NotATable {
            file: file.to_string(),
            reason: "只有一列，找不到逗号或制表符分隔的表头".into(),
        });
    }
    Ok(table)
}

/// A record's start in the text and its cells, or why it could not be read (only its row is
/// then rejected).
type Record = (usize, std::result::Result<Vec<String>, String>);

/// Texts from this many bytes are read as two halves on two threads.
const SPLIT_FROM: usize = 1 << 20;

/// Where each record starts, past the blank lines the csv crate puts before it, and never
/// before the record above it.
fn record_starts(bytes: &[u8], records: &[Record]) -> Vec<usize> {
    let skip_blank = |start: usize| {
        start
            + bytes[start..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count()
    };
    let mut starts: Vec<usize> = records
        .par_iter()
        .map(|(start, _)| skip_blank((*start).min(bytes.len())))
        .collect();
    // A start the one above passes is taken from there instead, as one reading in order would.
    let mut counted_to = 0;
    for (start, (raw, _)) in starts.iter_mut().zip(records) {
        if *raw < counted_to {
            *start = skip_blank(counted_to.min(bytes.len()));
        }
        counted_to = *start;
    }
    starts
}

/// Every record of `text`. A text of `split_from` bytes or more is read as two halves at once
/// (making each cell's string was most of reading a large CSV, all on one core): the second
/// half from a line start near the middle that an even number of quotes precedes. The first
/// half's reading shows whether a record really starts there; if not (a quoted cell spans the
/// line), the second half's records are dropped and the first reading goes on to the end. Either
/// way the records are those of one reading from the start.
fn read_records(text: &str, delimiter: u8, split_from: usize) -> Vec<Record> {
    let split = (text.len() >= split_from.max(1))
        .then(|| split_point(text))
        .flatten();
    match split {
        Some(at) => read_split(text, delimiter, at),
        None => read_from(text, delimiter, 0, None).0,
    }
}

/// The records of `text`, read from its start and from byte `at` at once (see [`read_records`]).
fn read_split(text: &str, delimiter: u8, at: usize) -> Vec<Record> {
    let ((mut first, reached), (second, _)) = rayon::join(
        || read_from(text, delimiter, 0, Some(at)),
        || read_from(text, delimiter, at, None),
    );
    match reached {
        Reached::Split(stopped) => {
            let mut second = second.into_iter();
            // One reading would give the next record's start where the first half stopped,
            // before the line breaks it skips.
            first.extend(second.next().map(|(_, cells)| (stopped, cells)));
            first.extend(second);
        }
        Reached::Past(from) => first.extend(read_from(text, delimiter, from, None).0),
        Reached::End => {}
    }
    first
}

/// Where [`read_from`] stopped.
enum Reached {
    /// Between records, only line breaks short of the split point (at this byte).
    Split(usize),
    /// At the start of a record beyond the split point (at this byte): a record spans it.
    Past(usize),
    /// The end of the text, or an error it could not read past.
    End,
}

/// Reads the records of `text` from byte `from`, starting a record there; with `stop`, until
/// the first record that would start at or after it.
fn read_from(
    text: &str,
    delimiter: u8,
    from: usize,
    stop: Option<usize>,
) -> (Vec<Record>, Reached) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(&text.as_bytes()[from..]);
    let mut records = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let before = reader.position().byte();
        if let Some(stop) = stop {
            let at = from + to_index(before);
            let skipped = |b: &u8| matches!(b, b'\r' | b'\n');
            if at <= stop && text.as_bytes()[at..stop].iter().all(skipped) {
                return (records, Reached::Split(at));
            }
            if at > stop {
                return (records, Reached::Past(at));
            }
        }
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let start = record.position().map_or(before, |p| p.byte());
                let cells = record
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                records.push((from + to_index(start), Ok(cells)));
            }
            Err(e) => {
                let start = e.position().map_or(before, |p| p.byte());
                records.push((from + to_index(start), Err(format!("CSV 格式错误: {e}"))));
                if reader.position().byte() <= before {
                    break; // no progress: stop rather than loop
                }
            }
        }
    }
    (records, Reached::End)
}

/// A line start near the middle of `text` with an even number of quotes before it (so most
/// likely not inside a quoted cell), if one comes within a few lines.
fn split_point(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mid = bytes.len() / 2;
    let mut quotes = memchr::memchr_iter(b'"', &bytes[..mid]).count();
    let mut from = mid;
    for _ in 0..64 {
        let at = from + memchr::memchr(b'\n', &bytes[from..])? + 1;
        quotes += memchr::memchr_iter(b'"', &bytes[from..at]).count();
        if quotes.is_multiple_of(2) && at < bytes.len() {
            return Some(at);
        }
        from = at;
    }
    None
}

fn to_index(byte: u64) -> usize {
    usize::try_from(byte).unwrap_or(usize::MAX)
}

/// Line breaks in `bytes[from..to]` as Excel counts them: CR LF, a lone CR or a lone LF is one.
/// Counted as CRs plus LFs less the LFs that end a CR LF, each found with `memchr` (every record
/// is counted twice, whole and cell by cell: plain counts were a quarter of reading a CSV).
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    let Some(s) = bytes.get(from..to.min(bytes.len())) else {
        return 0;
    };
    let lf = memchr::memchr_iter(b'\n', s).count();
    // The CR of a pair may lie just before `from`.
    let before = usize::from(from > 0 && bytes[from - 1] == b'\r' && s.first() == Some(&b'\n'));
    if memchr::memchr(b'\r', s).is_none() {
        return lf - before;
    }
    let cr = memchr::memchr_iter(b'\r', s).count();
    let pairs = memchr::memmem::find_iter(s, b"\r\n").count();
    cr + lf - pairs - before
}

/// Whether a damaged offset lies in `from..to`.
pub(super) fn damaged_between(damaged: &[usize], from: usize, to: usize) -> bool {
    let i = damaged.partition_point(|&d| d < from);
    damaged.get(i).is_some_and(|&d| d < to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_count_as_excel_does_at_any_bounds() {
        // The definition, a byte at a time.
        fn naive(bytes: &[u8], from: usize, to: usize) -> usize {
            (from..to.min(bytes.len()))
                .filter(|&i| {
                    bytes[i] == b'\r' || (bytes[i] == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
                })
                .count()
        }
        let alphabet = [b'\r', b'\n', b'a', 0xE4];
        // Every string of up to six bytes over the alphabet, at every pair of bounds.
        for len in 0..=6u32 {
            for code in 0..4usize.pow(len) {
                let bytes: Vec<u8> = (0..len)
                    .map(|k| alphabet[code / 4usize.pow(k) % 4])
                    .collect();
                for from in 0..=bytes.len() + 1 {
                    for to in 0..=bytes.len() + 1 {
                        assert_eq!(
                            line_breaks(&bytes, from, to),
                            naive(&bytes, from, to),
                            "{bytes:?} {from}..{to}"
                        );
                    }
                }
            }
        }
    }

    /// Every split point, on texts that stress where a record starts: quoted cells over several
    /// lines, CR LF and lone CR, blank lines, quotes inside unquoted cells, no final line break.
    #[test]
    fn a_reading_in_two_halves_gives_the_records_of_one_reading() {
        let mut texts: Vec<String> = [
            "编号,内容\nA1,贷款难\n\nA2,用地紧\nA3,\"第一行\n第二行\"\n\n\nA4,电价高\n",
            "编号,内容\r\nA1,\"含\r\n换行,和\"\"引号\"\"\"\r\n\r\nA2,x\r\n",
            "a,b\rc,\"d\re\"\r\rf,g",
            "a,b\nc\"d,\"e\nf\"\n\"\"\n,\n",
            "只有表头\n",
            "",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        // And short texts of the characters that matter, from a fixed seed.
        let alphabet = [",", "\"", "\n", "\r", "a", "中"];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 14) as usize;
            texts.push(
                (0..len)
                    .map(|k| alphabet[(seed >> (4 + 3 * k)) as usize % alphabet.len()])
                    .collect(),
            );
        }
        for text in &texts {
            let whole = read_from(text, b',', 0, None).0;
            for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                assert_eq!(read_split(text, b',', at), whole, "{text:?} split at {at}");
            }
            assert_eq!(read_records(text, b',', 0), whole, "{text:?}");
        }
    }

    #[test]
    fn reads_quoted_multiline_cells_and_numbers_rows() {
        let t = read("a.csv", "编号,内容\n1,\"第一行\n第二行\"\n2,\"含,逗号\"\n").unwrap();
        assert_eq!(t.headers, vec!["编号", "内容"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[1], "第一行\n第二行");
        assert_eq!(t.rows[1].row, 3);
        assert_eq!(t.rows[1].cells[1], "含,逗号");
    }

    #[test]
    fn sniffs_tabs() {
        let t = read("a.tsv", "编号\t内容\n1\t贷款难\n").unwrap();
        assert_eq!(t.rows[0].cells, vec!["1", "贷款难"]);
    }

    #[test]
    fn flags_rows_with_extra_cells() {
        let t = read("a.csv", "编号,内容\n1,贷款难,利率高\n").unwrap();
        assert!(t.rows[0].problem.as_deref().unwrap().contains("多于表头"));
    }

    #[test]
    fn one_column_prose_is_not_a_table() {
        assert!(read("a.txt", "这是一段话。\n没有表头。\n").is_err());
    }

    fn rows(t: &Table) -> Vec<(usize, String)> {
        t.rows
            .iter()
            .map(|r| (r.row, r.cells.first().cloned().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn rows_are_numbered_as_excel_shows_them() {
        // Excel: 1 编号, 2 A1, 3 blank, 4 A2, 5 A3 (one row; its cell holds two lines), 6 and 7
        // blank, 8 A4 (the editor's line 9).
        let text = "编号,内容\nA1,贷款难\n\nA2,用地紧\nA3,\"第一行\n第二行\"\n\n\nA4,电价高\n";
        let want = vec![
            (2, "A1".to_string()),
            (4, "A2".to_string()),
            (5, "A3".to_string()),
            (8, "A4".to_string()),
        ];
        assert_eq!(rows(&read("a.csv", text).unwrap()), want);
        assert_eq!(
            rows(&read("a.csv", &text.replace('\n', "\r\n")).unwrap()),
            want
        );
        assert_eq!(
            rows(&read("a.csv", &text.replace('\n', "\r")).unwrap()),
            want
        );
        // Blank lines above the header count too.
        let t = read("a.csv", "\n\n编号,内容\n\nA1,贷款难\n").unwrap();
        assert_eq!(rows(&t), vec![(5, "A1".to_string())]);
    }

    #[test]
    fn damaged_and_nul_rows_are_problems_and_reading_goes_on() {
        let text = "编号,内容\nA1,贷款难\nA2,用\u{FFFD}紧\nA3,电\0价高\nA4,招工难\n";
        let at = text.find('\u{FFFD}').unwrap();
        let t = parse("a.csv", text, &[at]).unwrap();
        let problems: Vec<(usize, Option<&str>)> = t
            .rows
            .iter()
            .map(|r| (r.row, r.problem.as_deref()))
            .collect();
        assert_eq!(
            problems,
            vec![(2, None), (3, Some(DAMAGED)), (4, Some(NUL)), (5, None)]
        );
        assert_eq!(t.rows[2].cells[1], "电\u{FFFD}价高", "no NUL is passed on");
    }
}
