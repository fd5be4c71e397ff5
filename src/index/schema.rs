//! The index's fields. Filters use exact (untokenized) fields; text fields use our tokenizer.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STORED,
    STRING,
};

use super::tokenizer::TOKENIZER_NAME;

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct IndexSchema {
    pub schema: Schema,
    pub id: Field,
    pub enterprise: Field,
    pub enterprise_words: Field,
    pub title: Field,
    pub text: Field,
    pub original: Field,
    pub date: Field,
    pub day: Field,
    pub channel: Field,
    pub region: Field,
    pub topic: Field,
    pub source: Field,
}

impl IndexSchema {
    pub fn new() -> Self {
        let mut b = Schema::builder();
        // Frequencies without positions: queries are words (term queries, never phrases), and
        // snippets cut the text again. Positions were a sixth of the index, unread.
        let words = || {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqs);
            TextOptions::default().set_indexing_options(indexing)
        };
        let id = b.add_text_field("id", STRING | STORED);
        let enterprise = b.add_text_field("enterprise", STRING | STORED);
        let enterprise_words = b.add_text_field("enterprise_words", words());
        // Not stored: the store keeps every item's title and text, and search reads them there.
        let title = b.add_text_field("title", words());
        let text = b.add_text_field("text", words());
        // Written by earlier builds and never read: no longer filled (half the stored text),
        // kept so the fields after it keep their numbers in indexes written before.
        let original = b.add_text_field("original", STORED);
        let date = b.add_text_field("date", STORED);
        // yyyymmdd as a number, for --from/--to ranges.
        let day = b.add_i64_field("day", NumericOptions::default().set_indexed().set_fast());
        let channel = b.add_text_field("channel", STRING | STORED);
        let region = b.add_text_field("region", STRING | STORED);
        let topic = b.add_text_field("topic", STRING | STORED);
        let source = b.add_text_field("source", STORED);
        IndexSchema {
            schema: b.build(),
            id,
            enterprise,
            enterprise_words,
            title,
            text,
            original,
            date,
            day,
            channel,
            region,
            topic,
            source,
        }
    }
}

impl Default for IndexSchema {
    fn default() -> Self {
        Self::new()
    }
}
