//! The pipeline: normalize → segment → topics run per item in parallel (rayon, one shared jieba),
//! then merge runs over the whole batch. Output order is the input's, whatever the thread order.

use std::sync::Arc;

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dicts::Dicts;
use crate::merge::{
    merge_among, merge_counting, merge_with, similarities, text_keys, Constraints, Group,
    MergeConfig, MergeDoc, Vocabulary,
};
use crate::normalize::TextNormalizer;
use crate::progress::Progress;
use crate::record::Item;
use crate::segment::{is_quantity, Analyzer, JiebaSegmenter, Terms, WordSpans};
use crate::topics::{
    relabel_unseeded, FeatureInput, KeywordAssigner, OwnedInput, SelfTraining, TopicAssigner,
    TopicAssignment, TopicModel,
};
use crate::vectors::DocumentFrequencies;
use crate::Result;

/// An item after the per-item stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzedItem {
    pub item: Item,
    /// Normalized enterprise name, the key of the per-enterprise list.
    pub enterprise: String,
    pub channel: String,
    pub region: String,
    pub title: String,
    /// Normalized text (Simplified, half-width, single spaces).
    pub text: String,
    /// Canonical terms of title and text (stop words dropped, synonyms mapped).
    pub terms: Terms,
    /// Topics, best first.
    pub topics: Vec<TopicAssignment>,
    /// Where the words of `title` and `text` stand, from the analysis: self-training and the
    /// index read the words again from them instead of cutting the text again. `None` for an
    /// item read back from the store, which keeps no spans.
    #[serde(skip)]
    pub words: Option<ItemWords>,
}

/// Where the words of an item's normalized title and text stand.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemWords {
    pub title: WordSpans,
    pub text: WordSpans,
}

impl AnalyzedItem {
    /// The main topic's name.
    pub fn main_topic(&self) -> &str {
        self.topics.first().map(|t| t.topic.as_str()).unwrap_or("")
    }

    /// The text as the user wrote it. A whole build keeps one copy of a text normalization did
    /// not change ([`AnalyzedItem::share_unchanged_text`]): `item.text` is then empty.
    pub fn raw_text(&self) -> &str {
        if self.item.text.is_empty() {
            &self.text
        } else {
            &self.item.text
        }
    }

    /// Frees the raw text where it equals the normalized one (most items: a gigabyte at a
    /// million items); [`AnalyzedItem::raw_text`] gives it back. Lossless: an empty raw text
    /// normalizes to an empty text.
    pub fn share_unchanged_text(&mut self) {
        if self.item.text == self.text {
            self.item.text = String::new();
        }
    }
}

/// A title and text, normalized and cut into words.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub title: String,
    pub text: String,
    /// Title and text joined, as topic features and the index see them.
    pub both: String,
    pub title_words: Terms,
    pub text_words: Terms,
    /// Where the words stand in `title` and `text`.
    pub spans: ItemWords,
}

impl Prepared {
    /// The input of a topic assigner.
    pub fn input(&self) -> FeatureInput<'_> {
        FeatureInput {
            title_words: &self.title_words,
            text_words: &self.text_words,
            text: &self.both,
        }
    }
}

/// A batch after every stage: items and the groups they merged into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub items: Vec<AnalyzedItem>,
    pub groups: Vec<Group>,
}

impl Analysis {
    /// For each item, the index of its group in `groups`.
    pub fn group_of_item(&self) -> Vec<usize> {
        let mut of = vec![0; self.items.len()];
        for (g, group) in self.groups.iter().enumerate() {
            for &m in &group.members {
                of[m] = g;
            }
        }
        of
    }
}

/// The stages, built once per run and shared by all threads.
pub struct Pipeline {
    pub normalizer: TextNormalizer,
    pub analyzer: Arc<Analyzer>,
    pub topics: Box<dyn TopicAssigner>,
    /// With the keyword taxonomy: the fallback topic and how unseeded items are self-trained.
    pub self_training: Option<(String, SelfTraining)>,
    pub merge_config: MergeConfig,
}

impl Pipeline {
    /// Builds jieba with the user dictionary and the taxonomy's terms, the normalizer and the
    /// keyword topic assigner.
    pub fn new(dicts: &Dicts) -> Result<Self> {
        let segmenter = JiebaSegmenter::new(&dicts.user_dict, "user.dict", dicts.taxonomy.terms())?;
        let analyzer = Analyzer::new(
            Arc::new(segmenter),
            dicts.stopwords.clone(),
            dicts.synonyms.clone(),
        );
        Ok(Pipeline {
            normalizer: TextNormalizer::new()?,
            analyzer: Arc::new(analyzer),
            topics: Box::new(KeywordAssigner::new(&dicts.taxonomy)),
            self_training: Some((
                dicts.taxonomy.fallback().name.clone(),
                SelfTraining::default(),
            )),
            merge_config: MergeConfig::default(),
        })
    }

    /// Uses a learned topic model instead of the keyword taxonomy.
    pub fn with_model(mut self, model: TopicModel) -> Self {
        self.topics = Box::new(model);
        self.self_training = None;
        self
    }

    /// Normalizes and segments a title and text, the one way both running and training see them.
    pub fn prepare(&self, title: &str, text: &str) -> Prepared {
        let title = self.normalizer.text(title);
        let text = self.normalizer.text(text);
        let (title_words, title_spans) = self.analyzer.words_and_spans(&title);
        let (text_words, text_spans) = self.analyzer.words_and_spans(&text);
        let spans = ItemWords {
            title: title_spans,
            text: text_spans,
        };
        Prepared {
            title_words,
            text_words,
            both: both(&title, &text),
            title,
            text,
            spans,
        }
    }

    /// The terms that merging and clustering compare: title and text words, quantities left out,
    /// synonyms mapped to their canonical form.
    pub fn terms(&self, prepared: &Prepared) -> Terms {
        let mut terms: Terms = prepared
            .title_words
            .iter()
            .chain(prepared.text_words.iter())
            .filter(|w| !is_quantity(w))
            .map(|w| self.analyzer.canonical(w))
            .collect();
        terms.shrink_to_fit();
        terms
    }

    /// Normalize, segment and assign topics to one item (no self-training: that needs a batch).
    pub fn analyze_item(&self, item: Item) -> AnalyzedItem {
        let p = self.prepare(&item.title, &item.text);
        let topics = self.topics.assign(&p.input());
        let terms = self.terms(&p);
        AnalyzedItem {
            enterprise: self.normalizer.name(&item.enterprise),
            channel: self.normalizer.name(&item.channel),
            region: self.normalizer.name(&item.region),
            title: p.title,
            text: p.text,
            terms,
            topics,
            words: Some(p.spans),
            item,
        }
    }

    /// The per-item stages over a batch, in parallel, then self-training of the items no seed
    /// term placed; output in input order.
    pub fn analyze(&self, items: Vec<Item>, progress: &Progress) -> Vec<AnalyzedItem> {
        let mut items = self.analyze_each(items, progress);
        if let Some((fallback, config)) = &self.self_training {
            let mut topics = take_topics(&mut items);
            let words_of = |i: usize| self.words_of_analysed(&items[i]);
            relabel_unseeded(&mut topics, fallback, config, words_of);
            put_topics(&mut items, topics);
        }
        items
    }

    /// The per-item stages alone, in parallel (each item's topics from the assigner only, no
    /// self-training); output in input order.
    pub fn analyze_each(&self, items: Vec<Item>, progress: &Progress) -> Vec<AnalyzedItem> {
        let bar = progress.stage("分词与主题", items.len());
        let items = self.analyze_counted(items, &bar);
        bar.finish_and_clear();
        items
    }

    /// The per-item stages over `items` in parallel, counting each on `bar`; output in input
    /// order.
    fn analyze_counted(&self, items: Vec<Item>, bar: &ProgressBar) -> Vec<AnalyzedItem> {
        items
            .into_par_iter()
            .map(|item| {
                let analyzed = self.analyze_item(item);
                bar.inc(1);
                analyzed
            })
            .collect()
    }

    /// [`Pipeline::analyze_each`] for a whole build, with the terms interned for the merge: a
    /// round of items at a time is analysed, then its terms are interned and dropped, so their
    /// text is never held for every item at once (about a gigabyte at a million items, freed
    /// in pieces too small for the merge's arrays to reuse). An unchanged raw text is shared
    /// with the normalized one ([`AnalyzedItem::raw_text`] reads it).
    pub fn analyze_interning(
        &self,
        items: Vec<Item>,
        progress: &Progress,
    ) -> (Vec<AnalyzedItem>, InternedTerms) {
        let bar = progress.stage("分词与主题", items.len());
        let mut out = Vec::with_capacity(items.len());
        let mut terms = InternedTerms {
            vocabulary: Vocabulary::new(),
            ids: Vec::with_capacity(items.len()),
        };
        let mut rest = items.into_iter();
        // A round's terms are interned while the next round is analysed: interning has a
        // serial step (12 s of a 52 s analysis at a million items), which would leave a core
        // idle. Rounds are interned in order, so the ids are those of one pass over every item.
        let mut pending: Vec<AnalyzedItem> = Vec::new();
        loop {
            let round: Vec<Item> = rest.by_ref().take(ANALYSIS_ROUND).collect();
            let last = round.is_empty();
            let (analysed, ()) = rayon::join(
                || self.analyze_counted(round, &bar),
                || {
                    intern_round(&mut terms, &mut pending);
                    out.append(&mut pending);
                },
            );
            if last {
                break;
            }
            pending = analysed;
        }
        bar.finish_and_clear();
        (out, terms)
    }

    /// The title words, text words and normalized text of a title and text as written, as
    /// self-training reads them.
    pub fn words_of(&self, title: &str, text: &str) -> OwnedInput {
        let p = self.prepare(title, text);
        (p.title_words, p.text_words, p.both)
    }

    /// [`Pipeline::words_of`] an analysed item: read at the spans its analysis kept, or when it
    /// has none (read back from the store), cut again.
    pub fn words_of_analysed(&self, a: &AnalyzedItem) -> OwnedInput {
        match &a.words {
            Some(w) => (
                self.analyzer.words_at(&a.title, &w.title),
                self.analyzer.words_at(&a.text, &w.text),
                both(&a.title, &a.text),
            ),
            None => self.words_of(&a.item.title, a.raw_text()),
        }
    }

    /// Merges analysed items into groups.
    pub fn merge(&self, items: &[AnalyzedItem]) -> Vec<Group> {
        self.merge_with(items, &Constraints::default())
    }

    /// Merges analysed items into groups, honouring an analyst's corrections.
    pub fn merge_with(&self, items: &[AnalyzedItem], constraints: &Constraints) -> Vec<Group> {
        merge_items(&self.merge_config, items, constraints, None)
    }

    /// The merge's similarity of each pair of `items`, weighed by `frequencies`.
    pub fn similarities(
        &self,
        items: &[AnalyzedItem],
        frequencies: &DocumentFrequencies,
        pairs: &[(usize, usize)],
    ) -> Vec<f32> {
        with_merge_docs(items, |docs, vocabulary| {
            similarities(docs, vocabulary, &self.merge_config, frequencies, pairs)
        })
    }

    /// Every stage over a batch.
    pub fn run(&self, items: Vec<Item>, progress: &Progress) -> Analysis {
        let items = self.analyze(items, progress);
        let spinner = progress.spinner("合并同类项");
        let groups = self.merge(&items);
        spinner.finish_and_clear();
        Analysis { items, groups }
    }
}

/// Each item's topics, taken out of it, for self-training to read the items while it relabels:
/// taken out and put back ([`put_topics`]) rather than copied, since a copy would hold every
/// item's topics twice.
pub fn take_topics(items: &mut [AnalyzedItem]) -> Vec<Vec<TopicAssignment>> {
    items
        .iter_mut()
        .map(|a| std::mem::take(&mut a.topics))
        .collect()
}

/// Puts each item's topics back (see [`take_topics`]).
pub fn put_topics(items: &mut [AnalyzedItem], topics: Vec<Vec<TopicAssignment>>) {
    for (a, t) in items.iter_mut().zip(topics) {
        a.topics = t;
    }
}

/// A normalized title and text joined, as topic features and the index see them.
fn both(title: &str, text: &str) -> String {
    if title.is_empty() {
        text.to_string()
    } else {
        format!("{title}。{text}")
    }
}

/// Merges analysed items (all of a workspace, or with `frequencies` the whole workspace's
/// document frequencies, a part of it) under `constraints`. Needs no segmenter, so corrections
/// run without one.
pub fn merge_items(
    config: &MergeConfig,
    items: &[AnalyzedItem],
    constraints: &Constraints,
    frequencies: Option<&DocumentFrequencies>,
) -> Vec<Group> {
    with_merge_docs(items, |docs, vocabulary| match frequencies {
        None => merge_with(docs, vocabulary, config, constraints),
        Some(f) => merge_among(docs, vocabulary, config, constraints, f),
    })
}

/// Interns the terms of a round of analysed items into `terms` and drops their text; an
/// unchanged raw text is shared with the normalized one.
fn intern_round(terms: &mut InternedTerms, analysed: &mut [AnalyzedItem]) {
    let ids = terms
        .vocabulary
        .intern_documents(analysed.len(), |i| analysed[i].terms.iter());
    terms.ids.extend(ids);
    analysed.par_iter_mut().for_each(|a| {
        a.terms = Terms::new();
        a.share_unchanged_text();
    });
}

/// Items analysed at a time by [`Pipeline::analyze_interning`].
const ANALYSIS_ROUND: usize = 16_384;

/// A whole build's terms as ids in one vocabulary, kept apart from its items (which are left
/// without terms): at a million items the terms' text takes about a gigabyte, their ids less,
/// and the merge needs the ids anyway.
pub struct InternedTerms {
    vocabulary: Vocabulary,
    /// Each item's terms, in order, repeats kept.
    ids: Vec<Vec<u32>>,
}

impl InternedTerms {
    /// The terms' names, in id order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.vocabulary.len() as u32).map(|id| self.vocabulary.name(id))
    }

    /// Item `i`'s term ids, in text order.
    pub fn ids(&self, i: usize) -> &[u32] {
        &self.ids[i]
    }

    /// Gives each of `items` its terms by name (`items[i]` item `i`'s), freeing each item's ids
    /// once its terms are named: at a million items the ids and the names would otherwise be
    /// held together.
    pub fn name_into(self, items: &mut [AnalyzedItem]) {
        let InternedTerms { vocabulary, ids } = self;
        items
            .par_iter_mut()
            .zip(ids.into_par_iter())
            .for_each(|(a, ids)| {
                let bytes = ids.iter().map(|&id| vocabulary.name(id).len() + 1).sum();
                a.terms = Terms::with_capacity(bytes);
                for id in ids {
                    a.terms.push(vocabulary.name(id));
                }
            });
    }
}

/// Merges all of a workspace's analysed items, whose terms `terms` holds, under
/// `constraints`, giving their document frequencies and each one's [`text_key`] too (made
/// once, for the merge and the store).
pub fn merge_whole(
    config: &MergeConfig,
    items: &[AnalyzedItem],
    terms: &InternedTerms,
    constraints: &Constraints,
) -> (Vec<Group>, DocumentFrequencies, Vec<u64>) {
    let docs = merge_docs(items, &terms.ids);
    let (groups, frequencies) = merge_counting(&docs, &terms.vocabulary, config, constraints);
    (
        groups,
        frequencies,
        docs.iter().map(|d| d.text_key).collect(),
    )
}

/// Calls `f` with the items as the merge sees them: terms interned in one vocabulary.
fn with_merge_docs<T>(items: &[AnalyzedItem], f: impl FnOnce(&[MergeDoc], &Vocabulary) -> T) -> T {
    let mut vocabulary = Vocabulary::new();
    let terms = vocabulary.intern_documents(items.len(), |i| items[i].terms.iter());
    f(&merge_docs(items, &terms), &vocabulary)
}

/// The items as the merge sees them, with their terms' ids.
fn merge_docs<'a>(items: &'a [AnalyzedItem], terms: &'a [Vec<u32>]) -> Vec<MergeDoc<'a>> {
    let keys = text_keys(items.par_iter().map(|a| a.text.as_str()));
    items
        .iter()
        .zip(terms)
        .zip(keys)
        .map(|((a, terms), text_key)| MergeDoc {
            id: &a.item.id,
            enterprise: &a.enterprise,
            terms,
            text: &a.text,
            text_key,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SourceRef;

    fn item(id: &str, text: &str) -> Item {
        Item {
            id: id.into(),
            enterprise: "恒通物流".into(),
            title: String::new(),
            text: text.into(),
            date: None,
            channel: String::new(),
            region: String::new(),
            source: SourceRef {
                file: "t.csv".into(),
                row: 2,
            },
            answer: None,
        }
    }

    #[test]
    fn interned_terms_give_back_each_items_terms_and_leave_the_items_without_them() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let texts = [
            "企业贷款难，贷款利率高，希望降低贷款门槛。",
            "",
            "园区道路拥堵，货车通行难。",
            "贷款难。",
        ];
        let items: Vec<Item> = (0..ANALYSIS_ROUND + 3)
            .map(|i| item(&i.to_string(), texts[i % texts.len()]))
            .collect();
        let before: Vec<String> = items
            .iter()
            .map(|i| pipeline.analyze_item(i.clone()).terms.joined().to_string())
            .collect();
        // The first item repeats a term, the second has none: both must come back as they were.
        let first: Vec<&str> = before[0].split('\n').collect();
        let distinct: std::collections::HashSet<&&str> = first.iter().collect();
        assert!(distinct.len() < first.len(), "{}", before[0]);
        assert_eq!(before[1], "");
        // More items than a round: the second round's terms use the first round's ids.
        let (items, terms) = pipeline.analyze_interning(items, &Progress::hidden());
        assert_eq!(items.len(), before.len());
        let names: Vec<&str> = terms.names().collect();
        for (i, b) in before.iter().enumerate() {
            let joined: Vec<&str> = terms.ids(i).iter().map(|&t| names[t as usize]).collect();
            assert_eq!(&joined.join("\n"), b, "item {i}");
            assert!(items[i].terms.is_empty(), "item {i} kept its terms");
        }
    }

    #[test]
    fn a_whole_build_keeps_one_copy_of_an_unchanged_text_and_gives_back_every_raw_text() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        // Unchanged by normalization, then full-width and Traditional (changed), then empty.
        let texts = ["融资难，贷款审批慢。", "貸款難，ＡＢ两家", ""];
        let items: Vec<Item> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| item(&i.to_string(), t))
            .collect();
        let (analysed, _) = pipeline.analyze_interning(items.clone(), &Progress::hidden());
        let shared: Vec<bool> = analysed.iter().map(|a| a.item.text.is_empty()).collect();
        assert_eq!(shared, [true, false, true]);
        for (a, original) in analysed.iter().zip(&items) {
            assert_eq!(a.raw_text(), original.text);
            assert_eq!(a.text, pipeline.analyze_item(original.clone()).text);
        }
    }
}
