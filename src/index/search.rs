//! Search and "has this been raised before?": BM25 over our terms with filters, highlighted
//! snippets, and similar items re-ranked by TF-IDF cosine so the score reads as 0–1 similarity.
//! The index does not keep titles and texts (the store does): hits read them through
//! [`ItemTexts`].

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::{collapse_overlapped_ranges, Snippet, SnippetGenerator};
use tantivy::{
    DocAddress, Index, IndexReader, ReloadPolicy, Score, Searcher, TantivyDocument, Term,
};

use super::build::{day_number, index_generation};
use super::schema::IndexSchema;
use super::tokenizer::{AnalyzerTokenizer, TOKENIZER_NAME};
use crate::date::Date;
use crate::record::PastAnswer;
use crate::segment::Analyzer;
use crate::{Error, Result};

/// Narrowing conditions; values are compared after normalization by the caller.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub topic: Option<String>,
    /// Words of the enterprise name; all must occur (恒通 matches 恒通物流集团有限公司).
    pub enterprise: Option<String>,
    pub channel: Option<String>,
    pub region: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// One result, with the whole record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub enterprise: String,
    pub title: String,
    pub text: String,
    /// The best passage with matched words in 【】.
    pub snippet: String,
    pub date: String,
    pub channel: String,
    pub region: String,
    pub topics: Vec<String>,
    /// The item's merge group (filled in from the store, which owns the groups).
    pub group: String,
    pub source: String,
    /// Terms the hit shares with the query.
    pub shared_terms: Vec<String>,
    /// The answer a past proposal received (filled in from the store, which keeps answers;
    /// the index does not). Left out of JSON when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<PastAnswer>,
}

/// Where the titles and texts of indexed items are read: the store keeps them, the index does
/// not (they were four fifths of its size on disk, written again by every build).
pub trait ItemTexts {
    /// The normalized title and text of the item with this id; `None` if there is none.
    fn title_and_text(&self, id: &str) -> Result<Option<(String, String)>>;
}

/// Analysed items as the source of their own texts (a linear scan, for tests).
#[cfg(test)]
impl ItemTexts for Vec<crate::pipeline::AnalyzedItem> {
    fn title_and_text(&self, id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .iter()
            .find(|a| a.item.id == id)
            .map(|a| (a.title.clone(), a.text.clone())))
    }
}

/// An opened workspace index.
pub struct SearchIndex {
    schema: IndexSchema,
    pub(super) reader: IndexReader,
    analyzer: Arc<Analyzer>,
}

impl SearchIndex {
    /// Opens the index in `dir`, registering our tokenizer again (tantivy does not store it).
    pub fn open(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        if !dir.join("meta.json").exists() {
            return Err(Error::Workspace {
                path: dir.to_path_buf(),
                reason: "没有索引；请先运行 qingdan run".into(),
            });
        }
        let index = Index::open_in_dir(dir)?;
        index
            .tokenizers()
            .register(TOKENIZER_NAME, AnalyzerTokenizer::new(analyzer.clone()));
        // A fixed view: what this reader searches does not move under it.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            schema: IndexSchema::new(),
            reader,
            analyzer,
        })
    }

    /// Opens the index in `dir` if it is at `generation` (the store's), else `None`: the
    /// generation is read before and after the reader is made, so the reader holds exactly
    /// that commit.
    pub fn open_at(dir: &Path, analyzer: Arc<Analyzer>, generation: u64) -> Result<Option<Self>> {
        if index_generation(dir)? != Some(generation) {
            return Ok(None);
        }
        let index = Self::open(dir, analyzer)?;
        Ok((index_generation(dir)? == Some(generation)).then_some(index))
    }

    /// Number of indexed items.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// BM25 search for a (normalized) query, best first, the hits' texts read from `texts`;
    /// `limit` must be at least 1.
    pub fn search(
        &self,
        texts: &dyn ItemTexts,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        check_limit(limit)?;
        let terms = unique_terms(&self.analyzer, query);
        if terms.is_empty() {
            return Err(Error::Query(format!("“{query}”中没有可检索的词")));
        }
        let words = self.words_query(&terms);
        let full = self.with_filters(words, filters);
        let searcher = self.reader.searcher();
        let Some(pool) = pool_size(limit.saturating_add(TIE_MARGIN), searcher.num_docs()) else {
            return Ok(Vec::new());
        };
        let top = searcher.search(&full, &TopDocs::with_limit(pool).order_by_score())?;
        let top = self.ties_by_id(&searcher, top, limit)?;
        let mut snippets = SnippetGenerator::create(&searcher, &*full, self.schema.text)?;
        snippets.set_max_num_chars(120);
        top.into_iter()
            .map(|(score, doc)| {
                let read = self.read(texts, first(&doc, self.schema.id))?;
                let mut hit = self.hit(&doc, read, score, &terms);
                let snippet = snippets.snippet(&hit.text);
                hit.snippet = if snippet.fragment().is_empty() {
                    hit.text.chars().take(60).collect()
                } else {
                    plain_snippet(&snippet)
                };
                Ok(hit)
            })
            .collect()
    }

    /// The items most like a text, scored by TF-IDF cosine (0–1), those below `min_score` left
    /// out, their texts read from `texts`. `exclude` drops an id (the item itself); `until`
    /// keeps only items dated on or before it ("raised before?"). `limit` must be at least 1.
    pub fn similar(
        &self,
        texts: &dyn ItemTexts,
        text: &str,
        exclude: Option<&str>,
        until: Option<Date>,
        limit: usize,
        min_score: f32,
    ) -> Result<Vec<Hit>> {
        check_limit(limit)?;
        let terms = unique_terms(&self.analyzer, text);
        if terms.is_empty() {
            return Err(Error::Query("文本中没有可比较的词".into()));
        }
        let filters = Filters {
            to: until,
            ..Filters::default()
        };
        let query = self.with_filters(self.words_query(&terms), &filters);
        let searcher = self.reader.searcher();
        // BM25 finds candidates; cosine decides the order and the score shown.
        let wanted = limit.saturating_mul(5).saturating_add(20);
        let Some(pool) = pool_size(wanted, searcher.num_docs()) else {
            return Ok(Vec::new());
        };
        let pool = TopDocs::with_limit(pool).order_by_score();
        let idf = Idf::new(&searcher, self.schema.text);
        let query_vec = idf.vector(&self.analyzer.terms(text));
        let mut hits = Vec::new();
        for (_, addr) in searcher.search(&query, &pool)? {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = first(&doc, self.schema.id);
            if exclude == Some(id.as_str()) {
                continue;
            }
            let read = self.read(texts, id)?;
            let score = cosine(&query_vec, &idf.vector(&read.terms));
            if score < min_score {
                continue;
            }
            let mut hit = self.hit(&doc, read, score, &terms);
            hit.snippet = hit.text.chars().take(80).collect();
            hits.push(hit);
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// The ids of the items that best match any of these (canonical) terms, by BM25: the
    /// candidates an added item is compared with. At most `limit`, which must be above 0.
    pub fn ids_matching(&self, terms: &[String], limit: usize) -> Result<Vec<String>> {
        if limit == 0 {
            return Err(Error::Query("结果条数应大于0".into()));
        }
        let searcher = self.reader.searcher();
        let limit = limit.min(searcher.num_docs().max(1) as usize);
        let top = searcher.search(
            &*self.words_query(terms),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
        top.into_iter()
            .map(|(_, addr)| {
                let doc: TantivyDocument = searcher.doc(addr)?;
                Ok(first(&doc, self.schema.id))
            })
            .collect()
    }

    fn words_query(&self, terms: &[String]) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            should.push((Occur::Should, term_query(self.schema.text, t)));
            let title: Box<dyn Query> =
                Box::new(BoostQuery::new(term_query(self.schema.title, t), 1.5));
            should.push((Occur::Should, title));
        }
        Box::new(BooleanQuery::new(should))
    }

    fn with_filters(&self, words: Box<dyn Query>, f: &Filters) -> Box<dyn Query> {
        let s = &self.schema;
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words)];
        let exact = [
            (s.topic, &f.topic),
            (s.channel, &f.channel),
            (s.region, &f.region),
        ];
        for (field, value) in exact {
            if let Some(v) = value {
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        if let Some(name) = &f.enterprise {
            for t in unique_terms(&self.analyzer, name) {
                must.push((Occur::Must, term_query(s.enterprise_words, &t)));
            }
        }
        if f.from.is_some() || f.to.is_some() {
            let bound = |d: Option<Date>| match d {
                Some(d) => Bound::Included(Term::from_field_i64(s.day, day_number(d))),
                None => Bound::Unbounded,
            };
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(f.from), bound(f.to))),
            ));
        }
        Box::new(BooleanQuery::new(must))
    }

    /// The best `limit` of `top` (best first) with their documents, equal scores in item id
    /// order. tantivy orders them by where the index put each document, which a rebuild changes
    /// (it indexes on several threads); `top` holds [`TIE_MARGIN`] more, so a tie at the cut is
    /// decided by id too, unless it runs longer than that. Each document is read once.
    fn ties_by_id(
        &self,
        searcher: &Searcher,
        top: Vec<(Score, DocAddress)>,
        limit: usize,
    ) -> Result<Vec<(Score, TantivyDocument)>> {
        // `limit` may be huge (`--limit` is any positive number): only `top` bounds the hits.
        let mut out = Vec::with_capacity(limit.min(top.len()));
        for run in top.chunk_by(|a, b| a.0 == b.0) {
            if out.len() >= limit {
                break;
            }
            let mut docs = run
                .iter()
                .map(|&(score, addr)| Ok((score, searcher.doc::<TantivyDocument>(addr)?)))
                .collect::<Result<Vec<_>>>()?;
            if docs.len() > 1 {
                docs.sort_by_cached_key(|(_, doc)| first(doc, self.schema.id));
            }
            out.extend(docs);
        }
        out.truncate(limit);
        Ok(out)
    }

    /// A hit on `doc`, whose title, text and terms are `read`.
    fn hit(&self, doc: &TantivyDocument, read: Read, score: f32, query_terms: &[String]) -> Hit {
        let s = &self.schema;
        let shared_terms = query_terms
            .iter()
            .filter(|t| read.terms.contains(t))
            .cloned()
            .collect();
        let Read {
            id, title, text, ..
        } = read;
        Hit {
            id,
            score,
            enterprise: first(doc, s.enterprise),
            title,
            text,
            snippet: String::new(),
            date: first(doc, s.date),
            channel: first(doc, s.channel),
            region: first(doc, s.region),
            topics: doc
                .get_all(s.topic)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            group: String::new(),
            source: first(doc, s.source),
            shared_terms,
            answer: None,
        }
    }

    /// The item `id` (a document's), with its title, text and terms as `texts` holds them (empty
    /// if it holds no such id).
    fn read(&self, texts: &dyn ItemTexts, id: String) -> Result<Read> {
        let (title, text) = texts.title_and_text(&id)?.unwrap_or_default();
        let terms = self.analyzer.terms(&format!("{title}。{text}"));
        Ok(Read {
            id,
            title,
            text,
            terms,
        })
    }
}

/// A hit's id, title and text, and the terms of both.
struct Read {
    id: String,
    title: String,
    text: String,
    terms: Vec<String>,
}

/// A limit of 0 asks for nothing, and tantivy's `TopDocs` panics on it.
fn check_limit(limit: usize) -> Result<()> {
    if limit == 0 {
        return Err(Error::Query("结果条数应至少为 1".into()));
    }
    Ok(())
}

/// How many documents to ask tantivy for: never more than the index holds, since `TopDocs`
/// allocates for its whole limit (`-n 18446744073709551615` would abort); `None` when the index
/// is empty (a limit of 0 panics).
/// Hits fetched beyond those asked for, so that equal scores at the cut are ordered by id.
const TIE_MARGIN: usize = 64;

fn pool_size(wanted: usize, docs: u64) -> Option<usize> {
    let docs = usize::try_from(docs).unwrap_or(usize::MAX);
    (docs > 0).then(|| wanted.min(docs))
}

/// The fragment as plain text with each highlighted range in 【】. Terminal and `--json` output
/// are not HTML, so `&`, `<` and `"` stay as written (tantivy's `to_html` escapes them).
fn plain_snippet(snippet: &Snippet) -> String {
    let fragment = snippet.fragment();
    let mut out = String::with_capacity(fragment.len() + 24);
    let mut from = 0;
    for range in collapse_overlapped_ranges(snippet.highlighted()) {
        // The ranges are byte offsets from our tokenizer; one that does not fall on character
        // boundaries after the last is left unmarked rather than sliced (a panic).
        let (Some(before), Some(word)) =
            (fragment.get(from..range.start), fragment.get(range.clone()))
        else {
            continue;
        };
        out.push_str(before);
        out.push('【');
        out.push_str(word);
        out.push('】');
        from = range.end;
    }
    out.push_str(fragment.get(from..).unwrap_or_default());
    out
}

fn term_query(field: Field, term: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, term),
        IndexRecordOption::WithFreqs,
    ))
}

fn first(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn unique_terms(analyzer: &Analyzer, text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for t in analyzer.terms(text) {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen
}

/// IDF from the index's own document frequencies.
struct Idf<'a> {
    searcher: &'a Searcher,
    field: Field,
    docs: f32,
}

impl<'a> Idf<'a> {
    fn new(searcher: &'a Searcher, field: Field) -> Self {
        Idf {
            searcher,
            field,
            docs: searcher.num_docs() as f32,
        }
    }

    /// Sorted by term, so sums run in one order and the same texts always score the same.
    fn vector(&self, terms: &[String]) -> BTreeMap<String, f32> {
        let mut tf: BTreeMap<&str, u32> = BTreeMap::new();
        for t in terms {
            *tf.entry(t).or_default() += 1;
        }
        let mut v: BTreeMap<String, f32> = tf
            .into_iter()
            .map(|(t, c)| {
                let df = self
                    .searcher
                    .doc_freq(&Term::from_field_text(self.field, t))
                    .unwrap_or(0) as f32;
                let idf = ((1.0 + self.docs) / (1.0 + df)).ln() + 1.0;
                (t.to_string(), (1.0 + (c as f32).ln()) * idf)
            })
            .collect();
        let norm = v.values().map(|w| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.values_mut().for_each(|w| *w /= norm);
        }
        v
    }
}

fn cosine(a: &BTreeMap<String, f32>, b: &BTreeMap<String, f32>) -> f32 {
    a.iter().filter_map(|(t, w)| b.get(t).map(|x| x * w)).sum()
}
