//! Writes the index of an analysed batch, replacing any earlier index in the folder.

use std::path::Path;
use std::sync::Arc;

use tantivy::{doc, Index};

use super::schema::IndexSchema;
use super::tokenizer::{AnalyzerTokenizer, TOKENIZER_NAME};
use crate::pipeline::Analysis;
use crate::segment::Analyzer;
use crate::{Error, Result};

/// Indexes every item of `analysis` into `dir` (created or emptied first).
pub fn write_index(dir: &Path, analysis: &Analysis, analyzer: Arc<Analyzer>) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let s = IndexSchema::new();
    let index = Index::create_in_dir(dir, s.schema.clone())?;
    index
        .tokenizers()
        .register(TOKENIZER_NAME, AnalyzerTokenizer::new(analyzer));
    // tantivy tokenizes on its own threads: one per core, 50 MB of buffer each.
    let threads = rayon::current_num_threads().clamp(1, 8);
    let mut writer = index.writer_with_num_threads(threads, threads * 50_000_000)?;
    let group_of = analysis.group_of_item();
    for (i, a) in analysis.items.iter().enumerate() {
        let mut d = doc!(
            s.id => a.item.id.clone(),
            s.enterprise => a.enterprise.clone(),
            s.enterprise_words => a.enterprise.clone(),
            s.title => a.title.clone(),
            s.text => a.text.clone(),
            s.original => a.item.text.clone(),
            s.channel => a.channel.clone(),
            s.region => a.region.clone(),
            s.group => analysis.groups[group_of[i]].id.clone(),
            s.source => format!("{}:{}", a.item.source.file, a.item.source.row),
        );
        if let Some(date) = a.item.date {
            d.add_text(s.date, date.to_string());
            d.add_i64(s.day, day_number(date));
        }
        for t in &a.topics {
            d.add_text(s.topic, &t.topic);
        }
        writer.add_document(d)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// A date as yyyymmdd.
pub(super) fn day_number(d: crate::date::Date) -> i64 {
    d.year as i64 * 10_000 + d.month as i64 * 100 + d.day as i64
}
