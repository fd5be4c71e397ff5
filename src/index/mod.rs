//! Index/search: a tantivy index on disk of every item, every field stored so a hit shows the whole
//! record. Text is tokenized by [`AnalyzerTokenizer`] — the pipeline's own analyzer — so a query is
//! cut with the same dictionary and synonyms as the items (借钱 finds 贷款), and queries are built
//! term by term (BM25 over words), never as one phrase.

mod build;
mod schema;
mod search;
mod tokenizer;

pub use build::write_index;
pub use schema::IndexSchema;
pub use search::{Filters, Hit, SearchIndex};
pub use tokenizer::{AnalyzerTokenizer, TOKENIZER_NAME};
