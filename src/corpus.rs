//! The shipped corpus (`corpora/suggestions.csv`), compiled into the binary so `qingdan run` with
//! no input shows what qingdan does on any machine.

use crate::ingest::{table_from_bytes, validate_rows, Batch, ColumnMap, IngestOptions};
use crate::Result;

/// The name the corpus goes by in messages and reports.
pub const CORPUS_NAME: &str = "corpora/suggestions.csv";
const CORPUS: &[u8] = include_bytes!("../corpora/suggestions.csv");

/// The shipped corpus's raw bytes (UTF-8 CSV).
pub fn corpus_bytes() -> &'static [u8] {
    CORPUS
}

/// Reads and validates the shipped corpus.
pub fn corpus_batch(options: &IngestOptions) -> Result<Batch> {
    let table = table_from_bytes(CORPUS_NAME, "csv", CORPUS, options)?;
    let map = ColumnMap::resolve(&table, &options.columns)?;
    let mut batch = Batch::default();
    validate_rows(table, &map, &mut batch);
    Ok(batch)
}
