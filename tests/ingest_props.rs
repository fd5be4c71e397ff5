//! Ingest never panics, whatever the bytes: random bytes, CSV-like text with stray quotes,
//! separators, line ends and NULs (as UTF-8, GBK, UTF-16 and mixed), and real workbooks cut short
//! or with bytes changed. Each input is either read, with every row accepted or rejected, or
//! refused with an error that names the file.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use proptest::prelude::*;
use qingdan::ingest::{table_from_bytes, validate_rows, Batch, ColumnMap, IngestOptions};

/// Reads `bytes` as qingdan reads a file called `name` and checks the outcome.
fn check(name: &str, ext: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let options = IngestOptions::default();
        let table = table_from_bytes(name, ext, bytes, &options)?;
        let map = ColumnMap::resolve(&table, &options.columns)?;
        let mut batch = Batch::default();
        validate_rows(table, &map, &mut batch);
        Ok::<_, qingdan::Error>(batch)
    }));
    let Ok(result) = outcome else {
        return Err(TestCaseError::fail(format!(
            "ingest panicked on {name} ({} bytes): {bytes:?}",
            bytes.len()
        )));
    };
    match result {
        Ok(batch) => prop_assert_eq!(batch.rows_read, batch.items.len() + batch.rejects.len()),
        Err(e) => prop_assert!(e.to_string().contains(name), "{} lacks {}", e, name),
    }
    Ok(())
}

const HEADERS: [&str; 9] = [
    "编号",
    "企业名称",
    "意见建议",
    "时间",
    "标题",
    "渠道",
    "地区",
    "内容",
    "留言用户",
];

const FRAGMENTS: [&str; 26] = [
    "",
    "恒通物流",
    "银行续贷难",
    "2025-03-01",
    "下周",
    "A1",
    "\"",
    "\"\"",
    "\"引号\"",
    ",",
    "\t",
    ";",
    "|",
    "\r",
    "\n",
    "\r\n",
    "\0",
    " ",
    "=1+2",
    "{\"a\":1}",
    "[",
    "\u{FEFF}",
    "𠀀",
    "ＡＢＣ１２３",
    "&<b>",
    "\u{FFFD}",
];

/// A cell: a known fragment, or a few arbitrary characters.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&FRAGMENTS[..]).prop_map(str::to_string),
        1 => prop::collection::vec(any::<char>(), 0..6).prop_map(|c| c.into_iter().collect()),
        1 => prop::collection::vec(prop::sample::select(&FRAGMENTS[..]), 0..4)
            .prop_map(|f| f.concat()),
    ]
}

/// A header: mostly one qingdan can use (enterprise and text columns among others, in any
/// order), sometimes any names.
fn header() -> impl Strategy<Value = Vec<&'static str>> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(&HEADERS[..]), 0..4).prop_flat_map(
            |extra| {
                let mut names = vec!["企业名称", "意见建议"];
                names.extend(extra);
                Just(names).prop_shuffle()
            }
        ),
        1 => prop::collection::vec(prop::sample::select(&HEADERS[..]), 1..6),
    ]
}

/// CSV-like text: a header of known names, then rows of cells with varied separators and ends.
fn csv_text() -> impl Strategy<Value = String> {
    let header = header();
    let sep = prop::sample::select(&[",", ",", ",", "\t", ";", "|"][..]);
    let end = prop::sample::select(&["\n", "\n", "\r\n", "\r", "\n\n", ""][..]);
    let row = (
        prop::collection::vec(cell(), 0..7),
        sep.clone(),
        end.clone(),
    );
    (header, sep, end, prop::collection::vec(row, 0..10)).prop_map(|(header, sep, end, rows)| {
        let mut text = header.join(sep) + end;
        for (cells, sep, end) in rows {
            text += &cells.join(sep);
            text += end;
        }
        text
    })
}

/// The text in one of the encodings qingdan reads, or in two (a file pasted under another).
fn encode(text: &str, how: u8, split: usize) -> Vec<u8> {
    let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
    let utf16 = |s: &str, le: bool| {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in s.encode_utf16() {
            out.extend(if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    };
    let mut at = split.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let (head, tail) = text.split_at(at);
    match how % 7 {
        0 => text.as_bytes().to_vec(),
        1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        2 => gbk(text),
        3 => utf16(text, true),
        4 => utf16(text, false),
        5 => [head.as_bytes().to_vec(), gbk(tail)].concat(),
        _ => [gbk(head), tail.as_bytes().to_vec()].concat(),
    }
}

/// A real workbook: a header, rows with dates and numbers, and a second sheet.
fn workbook() -> &'static [u8] {
    static BOOK: OnceLock<Vec<u8>> = OnceLock::new();
    BOOK.get_or_init(|| {
        let mut book = rust_xlsxwriter::Workbook::new();
        // A fixed date, so the bytes (and tests/ingest_props.proptest-regressions) are stable.
        let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 1, 1).unwrap();
        book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
        let sheet = book.add_worksheet();
        for (c, h) in ["编号", "企业名称", "意见建议", "时间"].iter().enumerate() {
            sheet.write_string(1, c as u16, *h).unwrap();
        }
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for r in 0..6u32 {
            sheet.write_number(r + 2, 0, f64::from(r)).unwrap();
            sheet.write_string(r + 2, 1, format!("企业{r}")).unwrap();
            sheet.write_string(r + 2, 2, "银行续贷要先还后贷").unwrap();
            let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, r as u8 + 1).unwrap();
            sheet
                .write_datetime_with_format(r + 2, 3, &day, &date)
                .unwrap();
        }
        book.add_worksheet()
            .set_name("附表")
            .unwrap()
            .write_string(0, 0, "备注")
            .unwrap();
        book.save_to_buffer().unwrap()
    })
}

proptest! {
    // 7,000 inputs in all with the block below: about two seconds in a debug build.
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        ext in prop::sample::select(&["csv", "xlsx", "jsonl", "txt"][..]),
    ) {
        check(&format!("随机.{ext}"), ext, &bytes)?;
    }


    #[test]
    fn workbook_magic_then_random_bytes(
        zip in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..2_000),
    ) {
        // The magic bytes send the input down the workbook path whatever its name.
        let magic: &[u8] = if zip { b"PK\x03\x04" } else { &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] };
        check("魔数.csv", "csv", &[magic, &bytes].concat())?;
    }

    #[test]
    fn workbook_cut_short(len in any::<prop::sample::Index>()) {
        let book = workbook();
        check("截断.xlsx", "xlsx", &book[..len.index(book.len())])?;
    }

    #[test]
    fn workbook_with_bytes_changed(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut book = workbook().to_vec();
        for (at, byte) in flips {
            let i = at.index(book.len());
            book[i] = byte;
        }
        check("改动.xlsx", "xlsx", &book)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn csv_like_text_in_any_encoding(
        text in csv_text(),
        how in any::<u8>(),
        split in any::<usize>(),
    ) {
        let bytes = encode(&text, how, split % (text.len() + 1));
        check("样本.csv", "csv", &bytes)?;
    }
}

/// The test workbook with one cell's reference replaced in its sheet's XML.
fn workbook_with_reference(from: &str, to: &str) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut book = zip::ZipArchive::new(Cursor::new(workbook())).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..book.len() {
        let mut part = book.by_index(i).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut data = String::new();
        part.read_to_string(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            assert!(data.contains(from), "{data}");
            data = data.replace(from, to);
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(data.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_cell_reference_beyond_u32_is_an_error() {
    // The column of ZZZZZZZZZZ3 does not fit calamine's u32: its arithmetic overflows (a panic
    // where overflow checks are on, as in tests). Found by workbook_with_bytes_changed.
    let bytes = workbook_with_reference("r=\"B3\"", "r=\"ZZZZZZZZZZ3\"");
    let options = IngestOptions::default();
    let outcome = catch_unwind(|| table_from_bytes("溢出.xlsx", "xlsx", &bytes, &options));
    let err = outcome.expect("no panic").unwrap_err().to_string();
    assert!(err.contains("溢出.xlsx"), "{err}");
}

#[test]
fn the_workbook_itself_reads() {
    let options = IngestOptions::default();
    let table = table_from_bytes("完整.xlsx", "xlsx", workbook(), &options).unwrap();
    assert_eq!(table.rows.len(), 6);
}
