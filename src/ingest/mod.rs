//! Ingest: reads CSV (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030), XLSX/XLS and JSONL files into
//! rows, maps their columns to qingdan's fields, and validates each row into an accepted [`Item`]
//! or a [`Reject`]. Every row read ends up in exactly one of the two.
//!
//! [`Item`]: crate::record::Item
//! [`Reject`]: crate::record::Reject

mod columns;
mod csv_reader;
mod decode;
mod jsonl_reader;
mod table;
mod validate;
mod xlsx_reader;

use std::borrow::Cow;
use std::path::Path;

pub use columns::{ColumnMap, ColumnOverrides, Field};
pub use decode::{decode, decode_text, DecodedText, TextEncoding};
pub use table::{Table, TableRow};
pub use validate::{
    content_id, validate_labelled, validate_rows, Batch, LabelledBatch, LabelledRow,
    CONTENT_ID_PREFIX,
};

use crate::progress::Timing;
use crate::{Error, Result};
use decode::decode_owned;

/// How to read input files.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Which sheet of a workbook to read (default: the first).
    pub sheet: Option<String>,
    /// Column overrides such as `text=留言详情`.
    pub columns: ColumnOverrides,
}

/// Reads one file (any supported format) into a table of raw cells.
pub fn read_table(path: &Path, options: &IngestOptions) -> Result<Table> {
    let bytes = read_file(path).map_err(|e| Error::io(path, e))?;
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    table_from(&name, &ext, Cow::Owned(bytes), options)
}

/// Files from this many bytes are read as two halves on two threads.
const READ_SPLIT_FROM: u64 = 1 << 20;

/// A file's bytes. A large file is read as two halves at once: copying it in touches fresh
/// memory, and on one core that was most of the time a large CSV took to read.
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        if let Some(len) = (len >= READ_SPLIT_FROM)
            .then(|| usize::try_from(len).ok())
            .flatten()
        {
            let mut bytes = vec![0u8; len];
            let (first, second) = bytes.split_at_mut(len / 2);
            let (a, b) = rayon::join(
                || file.read_exact_at(first, 0),
                || file.read_exact_at(second, (len / 2) as u64),
            );
            // A file that changed size meanwhile is read again, whole.
            if a.is_ok() && b.is_ok() && file.read_at(&mut [0u8; 1], len as u64)? == 0 {
                return Ok(bytes);
            }
        }
    }
    std::fs::read(path)
}

/// Reads a table from bytes; `name` is used in messages, `ext` (lower case, no dot) is a hint.
pub fn table_from_bytes(
    name: &str,
    ext: &str,
    bytes: &[u8],
    options: &IngestOptions,
) -> Result<Table> {
    table_from(name, ext, Cow::Borrowed(bytes), options)
}

/// [`table_from_bytes`] of bytes borrowed or given up (a UTF-8 file then keeps its buffer).
fn table_from(name: &str, ext: &str, bytes: Cow<[u8]>, options: &IngestOptions) -> Result<Table> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::NotATable {
            file: name.to_string(),
            reason: "文件为空".into(),
        });
    }
    // Workbooks are recognised by their magic bytes, whatever the file is called.
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        return xlsx_reader::read(name, &bytes, options.sheet.as_deref());
    }
    if matches!(ext, "xlsx" | "xlsm" | "xls" | "ods") {
        return Err(Error::NotATable {
            file: name.to_string(),
            reason: format!("扩展名为 .{ext}，但内容不是 Excel 工作簿"),
        });
    }
    let decoded = match bytes {
        Cow::Owned(bytes) => decode_owned(name, bytes)?,
        Cow::Borrowed(bytes) => decode(name, bytes)?,
    };
    let first = decoded.text.trim_start().chars().next();
    if matches!(ext, "jsonl" | "ndjson" | "json") || matches!(first, Some('{') | Some('[')) {
        jsonl_reader::read_decoded(name, &decoded)
    } else {
        csv_reader::read_decoded(name, &decoded)
    }
}

/// Reads labelled history (text + label columns) from several files.
pub fn read_labelled(paths: &[impl AsRef<Path>], options: &IngestOptions) -> Result<LabelledBatch> {
    let mut batch = LabelledBatch::default();
    for path in paths {
        let table = read_table(path.as_ref(), options)?;
        let map = ColumnMap::resolve_labelled(&table, &options.columns)?;
        validate_labelled(&table, &map, &mut batch);
    }
    Ok(batch)
}

/// Reads and validates one file's bytes as a batch (an upload: `name` is what messages call
/// it, and never a path that is opened).
pub fn batch_from_bytes(
    name: &str,
    ext: &str,
    bytes: &[u8],
    options: &IngestOptions,
) -> Result<Batch> {
    let mut batch = Batch::default();
    let table = table_from_bytes(name, ext, bytes, options)?;
    let map = ColumnMap::resolve(&table, &options.columns)?;
    validate_rows(table, &map, &mut batch);
    Ok(batch)
}

/// Reads and validates several files as one batch.
pub fn read_batch(paths: &[impl AsRef<Path>], options: &IngestOptions) -> Result<Batch> {
    let mut batch = Batch::default();
    for path in paths {
        let t = Timing::start("ingest.read");
        let table = read_table(path.as_ref(), options)?;
        drop(t);
        let _t = Timing::start("ingest.validate");
        let map = ColumnMap::resolve(&table, &options.columns)?;
        validate_rows(table, &map, &mut batch);
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_read_in_halves_is_the_file() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            0,
            7,
            READ_SPLIT_FROM as usize - 1,
            3 * READ_SPLIT_FROM as usize + 1,
        ] {
            let path = dir.path().join(format!("{len}.csv"));
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert!(read_file(&path).unwrap() == bytes, "{len} bytes");
        }
        assert!(read_file(&dir.path().join("absent.csv")).is_err());
    }
}
