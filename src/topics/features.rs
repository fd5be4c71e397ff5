//! Text features for learned topics: word unigrams and bigrams from our analyzer (title words
//! count several times: a title states the subject) and character n-grams of the normalized
//! text, as TF-IDF (sublinear tf, smoothed idf), the word and character blocks L2-normalised
//! apart, over a vocabulary sorted for determinism. [`FeatureConfig`] sets the details.

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::segment::Terms;
use crate::vectors::{document_frequencies, is_alphanumeric, sort_ids, FxMap, SparseVec, StrMap};

/// What the features of one document are built from.
#[derive(Debug, Clone, Copy)]
pub struct FeatureInput<'a> {
    pub title_words: &'a Terms,
    pub text_words: &'a Terms,
    /// Normalized title and text.
    pub text: &'a str,
}

/// Which features a model uses and how they weigh. Stored with the model: a text is featurised
/// at prediction exactly as at training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// How many times title words count (a title states the subject).
    pub title_repeat: u8,
    /// Word bigrams besides single words.
    pub word_bigrams: bool,
    /// Character n-grams from `char_min` to `char_max` characters (`char_max` 0: none).
    pub char_min: u8,
    pub char_max: u8,
    /// The character block's share of a vector's squared norm (the word block has the rest).
    pub char_share: f32,
    /// Features in fewer training documents than this are dropped.
    pub min_df: u32,
}

impl FeatureConfig {
    /// The settings of models trained before they were configurable (what a stored model
    /// without them was trained with).
    pub fn legacy() -> Self {
        FeatureConfig {
            title_repeat: 2,
            word_bigrams: true,
            char_min: 1,
            char_max: 3,
            char_share: 0.5,
            min_df: 2,
        }
    }
}

/// Chosen on half of a platform's 495 labelled messages (repeated 5-fold CV inside that half):
/// titles count three times, character grams stop at two characters and features need three
/// documents. Longer grams and rarer features fit the few training documents, not the platform.
impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            title_repeat: 3,
            char_max: 2,
            min_df: 3,
            ..Self::legacy()
        }
    }
}

/// A feature of a document as [`for_each_feature_key`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FeatureKey<'a> {
    /// A word (`w:`), a word pair (`b:`) or a character gram too long to pack, by name.
    Name(&'a str),
    /// A character gram of at most [`PACKED_GRAM`] characters, packed ([`pack_gram`]).
    Gram(u64),
}

/// Character grams up to this long are keyed by their packed characters rather than by a name
/// string: they are most of a text's features, and a number hashes and compares at once.
const PACKED_GRAM: usize = 3;

/// Code points run below this; each packed character is one digit in this base.
const GRAM_BASE: u64 = 0x11_0001;

/// A short character gram as one number: each code point plus one, as digits in base
/// [`GRAM_BASE`] (no digit is 0, so grams of different lengths never meet; 3 digits fit u64).
fn pack_gram(gram: &[char]) -> u64 {
    gram.iter().fold(0, |k, &c| k * GRAM_BASE + c as u64 + 1)
}

/// Appends a packed gram's feature name (`c:` and its characters) to `name`.
fn push_gram_name(mut key: u64, name: &mut String) {
    let mut chars = [' '; PACKED_GRAM];
    let mut len = 0;
    while key > 0 && len < PACKED_GRAM {
        chars[len] = char::from_u32((key % GRAM_BASE - 1) as u32).unwrap_or('\u{FFFD}');
        key /= GRAM_BASE;
        len += 1;
    }
    name.push_str("c:");
    name.extend(chars[..len].iter().rev());
}

/// Calls `f` with every feature of a document, repeats included (they are term frequencies):
/// the named ones through one buffer, the short character grams packed, so classifying
/// allocates nothing per feature.
fn for_each_feature_key(
    input: &FeatureInput,
    config: &FeatureConfig,
    mut f: impl FnMut(FeatureKey),
) {
    // Names are pieced together with push_str: `write!` costs more than the lookup they feed.
    let mut name = String::with_capacity(32);
    let title = std::iter::repeat_n(input.title_words, config.title_repeat as usize);
    for words in title.chain([input.text_words]) {
        for w in words.iter() {
            name.clear();
            name.push_str("w:");
            name.push_str(w);
            f(FeatureKey::Name(&name));
        }
        if config.word_bigrams {
            for (a, b) in words.iter().zip(words.iter().skip(1)) {
                name.clear();
                push_pair_name(a, b, &mut name);
                f(FeatureKey::Name(&name));
            }
        }
    }
    for_each_char_gram(input.text, config, &mut name, f);
}

/// A word pair's feature name, `b:` and the words joined by `+`, appended to `name`.
fn push_pair_name(a: &str, b: &str, name: &mut String) {
    name.push_str("b:");
    name.push_str(a);
    name.push('+');
    name.push_str(b);
}

/// Calls `f` with the character grams of a text (of its letters and digits), the short ones
/// packed, a longer one named in `name`.
fn for_each_char_gram(
    text: &str,
    config: &FeatureConfig,
    name: &mut String,
    mut f: impl FnMut(FeatureKey),
) {
    let chars: Vec<char> = text.chars().filter(|&c| is_alphanumeric(c)).collect();
    for n in config.char_min.max(1)..=config.char_max {
        for gram in chars.windows(n as usize) {
            if gram.len() <= PACKED_GRAM {
                f(FeatureKey::Gram(pack_gram(gram)));
            } else {
                name.clear();
                name.push_str("c:");
                name.extend(gram);
                f(FeatureKey::Name(name));
            }
        }
    }
}

/// Calls `f` with the name of every feature of a document, in [`for_each_feature_key`]'s order.
pub fn for_each_feature(input: &FeatureInput, config: &FeatureConfig, mut f: impl FnMut(&str)) {
    let mut name = String::with_capacity(16);
    for_each_feature_key(input, config, |key| match key {
        FeatureKey::Name(n) => f(n),
        FeatureKey::Gram(g) => {
            name.clear();
            push_gram_name(g, &mut name);
            f(&name);
        }
    });
}

/// Feature names of a document as owned strings (for fitting a vocabulary).
pub fn raw_features(input: &FeatureInput, config: &FeatureConfig) -> Vec<String> {
    let mut out = Vec::new();
    for_each_feature(input, config, |f| out.push(f.to_string()));
    out
}

/// A fitted vocabulary with its IDF weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpace {
    /// Feature names, sorted; a feature's id is its index.
    pub names: Vec<String>,
    pub idf: Vec<f32>,
    #[serde(default = "FeatureConfig::legacy")]
    pub config: FeatureConfig,
    #[serde(skip)]
    ids: StrMap<u32>,
    /// The ids of the short character grams, by packed key (they are in `ids` by name too).
    #[serde(skip)]
    gram_ids: FxMap<u64, u32>,
    /// The ids of words and word pairs, found without their names (they are in `ids` too).
    #[serde(skip)]
    word_ids: WordIds,
    /// The ids of character grams: names are sorted, so `c:` names are one run between the
    /// bigrams' `b:` and the words' `w:`.
    #[serde(skip)]
    char_ids: Range<u32>,
}

impl FeatureSpace {
    /// Learns the vocabulary from training documents' raw features; features seen in fewer than
    /// `config.min_df` documents are dropped (they cannot generalise and they bloat the model).
    pub fn fit(docs: &[Vec<String>], config: &FeatureConfig) -> Self {
        let df = document_frequencies(docs);
        let mut kept: Vec<(&String, u32)> = df
            .into_iter()
            .filter(|(_, d)| *d >= config.min_df)
            .collect();
        kept.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let n = docs.len() as f32;
        Self::with_names(
            kept.iter().map(|(f, _)| f.to_string()).collect(),
            kept.iter()
                .map(|&(_, d)| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
                .collect(),
            *config,
        )
    }

    /// Fits the space on training documents and gives their vectors, as [`FeatureSpace::fit`]
    /// then [`FeatureSpace::vector`] would, to the bit. Each chunk of documents interns its
    /// features on its own thread (short character grams as numbers, see [`FeatureKey`]) and
    /// counts their documents; the chunks' names are then sorted together once, which gives the
    /// vocabulary in order with each feature's document frequency, with no map shared across
    /// threads.
    pub fn fit_documents(
        inputs: &[FeatureInput],
        config: &FeatureConfig,
    ) -> (Self, Vec<SparseVec>) {
        // One chunk per thread: the chunks' names are sorted together, and each chunk brings
        // its own copy of every common name (four chunks a thread made the fit 16% slower).
        let chunk = inputs.len().div_ceil(rayon::current_num_threads()).max(1);
        let parts: Vec<ChunkFeatures> = inputs
            .par_chunks(chunk)
            .map(|docs| ChunkFeatures::of(docs, config))
            .collect();
        // Every chunk's names, sorted: equal names are neighbours, and their frequencies add up.
        // Each name's first 16 bytes, as a number, order it before its bytes are compared: a
        // gram or a word rarely runs longer, and string comparisons were most of the fit.
        // Made on all threads, each entry written in place (serially it was a tenth of a second
        // at 100,000 items, most of it touching the new memory).
        let starts: Vec<usize> = parts
            .iter()
            .scan(0, |at, part| {
                *at += part.names.len();
                Some(*at - part.names.len())
            })
            .collect();
        let total = parts.iter().map(|part| part.names.len()).sum::<usize>();
        let mut all: Vec<(u128, &str, u32, u32)> = (0..total)
            .into_par_iter()
            .map(|k| {
                let p = starts.partition_point(|&s| s <= k) - 1;
                let l = k - starts[p];
                let name = parts[p].names[l].as_str();
                (leading_bytes(name), name, p as u32, l as u32)
            })
            .collect();
        all.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        let mut final_ids: Vec<Vec<u32>> = parts
            .iter()
            .map(|part| vec![u32::MAX; part.names.len()])
            .collect();
        let n = inputs.len() as f32;
        let (mut names, mut idf) = (Vec::new(), Vec::new());
        for same in all.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
            let df: u32 = same
                .iter()
                .map(|&(_, _, p, l)| parts[p as usize].df[l as usize])
                .sum();
            if df < config.min_df {
                continue;
            }
            for &(_, _, p, l) in same {
                final_ids[p as usize][l as usize] = names.len() as u32;
            }
            names.push(same[0].1.to_string());
            idf.push(((1.0 + n) / (1.0 + df as f32)).ln() + 1.0);
        }
        drop(all);
        // Weighing needs only the idf and the grams' range: the vectors are made while the
        // maps from names are built.
        let mut space = Self::unindexed(names, idf, *config);
        let (maps, vectors) = rayon::join(
            || space.name_maps(),
            || {
                // Document by document, not chunk by chunk: the thread that makes the maps
                // takes fewer, and neither waits for the other's chunk at the end.
                parts
                    .into_par_iter()
                    .zip(final_ids)
                    .flat_map(|(part, to_final)| {
                        let space = &space;
                        part.docs.into_par_iter().map(move |local| {
                            let ids = local
                                .into_iter()
                                .map(|l| to_final[l as usize])
                                .filter(|&k| k != u32::MAX)
                                .collect();
                            space.weigh(ids)
                        })
                    })
                    .collect()
            },
        );
        (space.ids, space.gram_ids, space.word_ids) = maps;
        (space, vectors)
    }

    /// A space from its sorted names and their idf (a stored model), indexed.
    pub fn with_names(names: Vec<String>, idf: Vec<f32>, config: FeatureConfig) -> Self {
        let mut space = Self::unindexed(names, idf, config);
        (space.ids, space.gram_ids, space.word_ids) = space.name_maps();
        space
    }

    /// A space from its sorted names and their idf with the grams' range (all that weighing
    /// needs), without the maps from names yet.
    fn unindexed(names: Vec<String>, idf: Vec<f32>, config: FeatureConfig) -> Self {
        let mut space = FeatureSpace {
            names,
            idf,
            config,
            ids: StrMap::new(),
            gram_ids: FxMap::default(),
            word_ids: WordIds::default(),
            char_ids: 0..0,
        };
        space.index_char_range();
        space
    }

    /// Rebuilds the name → id map and the character grams' range (after loading from a file).
    pub fn index(&mut self) {
        (self.ids, self.gram_ids, self.word_ids) = self.name_maps();
        self.index_char_range();
    }

    /// The maps to ids of [`FeatureSpace::index`] (made on the threads there are).
    fn name_maps(&self) -> (StrMap<u32>, FxMap<u64, u32>, WordIds) {
        let names = || self.names.iter().enumerate();
        let (ids, (gram_ids, word_ids)) = rayon::join(
            || names().map(|(i, n)| (n, i as u32)).collect(),
            || {
                rayon::join(
                    || {
                        names()
                            .filter_map(|(i, n)| {
                                let gram: Vec<char> = n.strip_prefix("c:")?.chars().collect();
                                (gram.len() <= PACKED_GRAM).then(|| (pack_gram(&gram), i as u32))
                            })
                            .collect()
                    },
                    || WordIds::of(&self.names),
                )
            },
        );
        (ids, gram_ids, word_ids)
    }

    /// The character grams' range of [`FeatureSpace::index`] (all that weighing needs).
    fn index_char_range(&mut self) {
        let is_char = |n: &String| n.starts_with("c:");
        let start = self.names.partition_point(|n| n.as_str() < "c:");
        let len = self.names[start..]
            .iter()
            .take_while(|n| is_char(n))
            .count();
        self.char_ids = start as u32..(start + len) as u32;
        debug_assert_eq!(
            self.names.iter().filter(|n| is_char(n)).count(),
            len,
            "names are sorted"
        );
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The TF-IDF vector of a document's raw features; unknown features are ignored.
    pub fn vector(&self, raw: &[String]) -> SparseVec {
        let ids: Vec<u32> = raw
            .iter()
            .filter_map(|f| self.ids.get(f.as_str()).copied())
            .collect();
        self.weigh(ids)
    }

    /// The TF-IDF vector of a document, straight from its text, as [`FeatureSpace::vector`]
    /// gives it from the document's feature names: a word is looked up by itself once for all
    /// its title's repeats, a pair by its words' ids, a short gram by number; a name is made
    /// only for a long gram or a pair [`WordIds`] leaves to names.
    pub fn vector_of(&self, input: &FeatureInput) -> SparseVec {
        let mut ids: Vec<u32> = Vec::new();
        let mut name = String::with_capacity(32);
        let numbers = &mut SpaceWords(self);
        for_each_word_feature(input, &self.config, numbers, &mut name, |id, times| {
            ids.extend(id.into_iter().flat_map(|id| std::iter::repeat_n(id, times)))
        });
        for_each_char_gram(input.text, &self.config, &mut name, |f| {
            let id = match f {
                FeatureKey::Name(n) => self.ids.get(n),
                FeatureKey::Gram(g) => self.gram_ids.get(&g),
            };
            ids.extend(id.copied());
        });
        self.weigh(ids)
    }

    /// The vector of a document's feature ids, repeats counted (sublinear tf times idf).
    fn weigh(&self, mut ids: Vec<u32>) -> SparseVec {
        sort_ids(&mut ids, &mut Vec::new());
        let mut v: Vec<(u32, f32)> = Vec::with_capacity(ids.len());
        for run in ids.chunk_by(|a, b| a == b) {
            let (id, c) = (run[0], run.len());
            v.push((id, (1.0 + (c as f32).ln()) * self.idf[id as usize]));
        }
        // Words and character grams are normalised apart and weigh the same: a text has many
        // more character grams than words, and they would otherwise drown the words.
        let is_char = |id: u32| self.char_ids.contains(&id);
        let norm = |char_block: bool| {
            v.iter()
                .filter(|(id, _)| is_char(*id) == char_block)
                .map(|(_, w)| w * w)
                .sum::<f32>()
                .sqrt()
        };
        let (word_norm, char_norm) = (norm(false), norm(true));
        // A block alone in a vector takes it all.
        let char_share = match (word_norm > 0.0, char_norm > 0.0) {
            (true, true) => self.config.char_share,
            (false, _) => 1.0,
            (true, false) => 0.0,
        };
        let (word_scale, char_scale) = ((1.0 - char_share).sqrt(), char_share.sqrt());
        for (id, w) in v.iter_mut() {
            *w *= if is_char(*id) {
                char_scale / char_norm
            } else {
                word_scale / word_norm
            };
        }
        SparseVec(v)
    }

    /// A feature name as a reader sees it: 医保, 医保+报销, 「医保」.
    pub fn display(&self, id: u32) -> String {
        let name = &self.names[id as usize];
        match name.split_once(':') {
            Some(("w", w)) => w.to_string(),
            Some(("b", b)) => b.to_string(),
            Some(("c", c)) => format!("「{c}」"),
            _ => name.clone(),
        }
    }
}

/// A space's words by themselves (a `w:` name without its prefix: most then fit a [`StrMap`]'s
/// number) and its word pairs by their words' ids, so a document's words and pairs are found
/// without making their names. A pair name with more than one `+` is ambiguous (`a+b`,`c` and
/// `a`,`b+c` share `b:a+b+c`) and is found by name, as are all pairs when one is not made of
/// two of the space's words (a pair is in no more documents than either word, so a fitted
/// space has none; a model written by hand might).
#[derive(Debug, Clone, Default, PartialEq)]
struct WordIds {
    words: StrMap<u32>,
    pairs: FxMap<u64, u32>,
    orphan_pairs: bool,
}

impl WordIds {
    fn of(names: &[String]) -> Self {
        let mut maps = WordIds::default();
        for (i, name) in names.iter().enumerate() {
            if let Some(word) = name.strip_prefix("w:") {
                maps.words.insert(word, i as u32);
            }
        }
        for (i, name) in names.iter().enumerate() {
            let Some((a, b)) = name.strip_prefix("b:").and_then(|p| p.split_once('+')) else {
                continue;
            };
            if b.contains('+') {
                continue;
            }
            match (maps.words.get(a), maps.words.get(b)) {
                (Some(&id_a), Some(&id_b)) => {
                    maps.pairs.insert(pair_key(id_a, id_b), i as u32);
                }
                _ => maps.orphan_pairs = true,
            }
        }
        maps
    }
}

/// A pair of words as one number, from the words' ids.
fn pair_key(id_a: u32, id_b: u32) -> u64 {
    (id_a as u64) << 32 | id_b as u64
}

/// How [`for_each_word_feature`] numbers a document's words and word pairs.
trait WordNumbers<'a> {
    type Id: Copy;
    fn word(&mut self, word: &'a str) -> Self::Id;
    /// A pair of words without `+`, whose ids `word` gave.
    fn pair(&mut self, a: &str, b: &str, id_a: Self::Id, id_b: Self::Id) -> Self::Id;
    /// A pair by its `b:` name: with `+` in a word, only the name tells the pair (`a+b`,`c` and
    /// `a`,`b+c` share `b:a+b+c`).
    fn named_pair(&mut self, name: &str) -> Self::Id;
}

/// A fitted space's words and pairs (`None`: not a feature), through its [`WordIds`].
struct SpaceWords<'s>(&'s FeatureSpace);

impl<'a> WordNumbers<'a> for SpaceWords<'_> {
    type Id = Option<u32>;

    fn word(&mut self, word: &'a str) -> Option<u32> {
        self.0.word_ids.words.get(word).copied()
    }

    fn pair(&mut self, a: &str, b: &str, id_a: Option<u32>, id_b: Option<u32>) -> Option<u32> {
        match (id_a, id_b) {
            (Some(id_a), Some(id_b)) => self.0.word_ids.pairs.get(&pair_key(id_a, id_b)).copied(),
            _ if self.0.word_ids.orphan_pairs => {
                let mut name = String::new();
                push_pair_name(a, b, &mut name);
                self.named_pair(&name)
            }
            _ => None,
        }
    }

    fn named_pair(&mut self, name: &str) -> Option<u32> {
        self.0.ids.get(name).copied()
    }
}

/// The words and word pairs [`for_each_feature_key`] names, numbered by `numbers` instead, each
/// given to `seen` with the times it counts (a title's, `title_repeat` times); `name` is
/// working room.
fn for_each_word_feature<'a, N: WordNumbers<'a>>(
    input: &FeatureInput<'a>,
    config: &FeatureConfig,
    numbers: &mut N,
    name: &mut String,
    mut seen: impl FnMut(N::Id, usize),
) {
    let mut word_ids: Vec<N::Id> = Vec::new();
    let title = (input.title_words, config.title_repeat as usize);
    for (words, times) in [title, (input.text_words, 1)] {
        if times == 0 {
            continue;
        }
        word_ids.clear();
        for w in words.iter() {
            let id = numbers.word(w);
            word_ids.push(id);
            seen(id, times);
        }
        if config.word_bigrams {
            let pairs = words.iter().zip(words.iter().skip(1));
            for ((a, b), ab) in pairs.zip(word_ids.windows(2)) {
                let id = if a.contains('+') || b.contains('+') {
                    name.clear();
                    push_pair_name(a, b, name);
                    numbers.named_pair(name)
                } else {
                    numbers.pair(a, b, ab[0], ab[1])
                };
                seen(id, times);
            }
        }
    }
}

/// One chunk of training documents' features: the distinct names by local id, each one's
/// number of documents, and each document's local ids (repeats kept).
struct ChunkFeatures {
    names: Vec<String>,
    df: Vec<u32>,
    docs: Vec<Vec<u32>>,
}

impl ChunkFeatures {
    /// The features [`for_each_feature_key`] gives, counted without making a name per
    /// feature: a word is looked up once per mention (its title mentions once for all
    /// repeats), a word pair by its two words' ids, and a name is made once per distinct
    /// feature at the end. Most of a chunk's features are word pairs seen once, and looking up
    /// each as a `b:` string was most of the fit.
    fn of(inputs: &[FeatureInput], config: &FeatureConfig) -> Self {
        let mut ids = ChunkIds::default();
        let mut df: Vec<u32> = Vec::new();
        // The last document counted for each id, so a repeat is not counted twice.
        let mut counted_in: Vec<usize> = Vec::new();
        // Each document's ids are gathered in one buffer and copied out at their length: grown
        // push by push, every document's list was allocated about ten times over.
        let mut doc_ids: Vec<u32> = Vec::new();
        let mut name = String::with_capacity(32);
        let docs = inputs
            .iter()
            .enumerate()
            .map(|(d, input)| {
                doc_ids.clear();
                let mut seen = |id: u32, times: usize, doc_ids: &mut Vec<u32>| {
                    if id as usize == df.len() {
                        df.push(0);
                        counted_in.push(usize::MAX);
                    }
                    if counted_in[id as usize] != d {
                        counted_in[id as usize] = d;
                        df[id as usize] += 1;
                    }
                    doc_ids.extend(std::iter::repeat_n(id, times));
                };
                for_each_word_feature(input, config, &mut ids, &mut name, |id, times| {
                    seen(id, times, &mut doc_ids)
                });
                for_each_char_gram(input.text, config, &mut name, |key| {
                    let id = match key {
                        FeatureKey::Gram(g) => ids.gram(g),
                        FeatureKey::Name(n) => ids.named(n),
                    };
                    seen(id, 1, &mut doc_ids);
                });
                doc_ids.to_vec()
            })
            .collect();
        let names = ids.into_names();
        debug_assert_eq!(names.len(), df.len());
        ChunkFeatures { names, df, docs }
    }
}

/// A chunk's local feature ids, numbered as first met, by what each feature is.
#[derive(Default)]
struct ChunkIds<'a> {
    words: StrMap<u32>,
    /// Word pairs by their words' ids; a pair with a word that holds `+` is named instead, as
    /// only then can two pairs share a name (`a+b`,`c` and `a`,`b+c`).
    pairs: FxMap<u64, u32>,
    grams: FxMap<u64, u32>,
    named: StrMap<u32>,
    kinds: Vec<Kind<'a>>,
}

/// What a chunk's local feature is, to name it at the end.
enum Kind<'a> {
    Word(&'a str),
    Pair(u32, u32),
    Gram(u64),
    Named,
}

/// The next local id, for a feature of this kind.
fn next_id<'a>(kinds: &mut Vec<Kind<'a>>, kind: Kind<'a>) -> u32 {
    kinds.push(kind);
    kinds.len() as u32 - 1
}

/// `key`'s id in `map`, a new one of `kind` when it has none: one lookup when it is there
/// (most are), where [`StrMap::get_or_insert_with`] takes two for a long key.
fn str_id<'a>(
    map: &mut StrMap<u32>,
    kinds: &mut Vec<Kind<'a>>,
    key: &str,
    kind: impl FnOnce() -> Kind<'a>,
) -> u32 {
    if let Some(&id) = map.get(key) {
        return id;
    }
    let id = next_id(kinds, kind());
    map.insert(key, id);
    id
}

impl<'a> WordNumbers<'a> for ChunkIds<'a> {
    type Id = u32;

    fn word(&mut self, w: &'a str) -> u32 {
        str_id(&mut self.words, &mut self.kinds, w, || Kind::Word(w))
    }

    fn pair(&mut self, _: &str, _: &str, id_a: u32, id_b: u32) -> u32 {
        let kinds = &mut self.kinds;
        *self
            .pairs
            .entry(pair_key(id_a, id_b))
            .or_insert_with(|| next_id(kinds, Kind::Pair(id_a, id_b)))
    }

    fn named_pair(&mut self, name: &str) -> u32 {
        self.named(name)
    }
}

impl ChunkIds<'_> {
    fn gram(&mut self, g: u64) -> u32 {
        let kinds = &mut self.kinds;
        *self
            .grams
            .entry(g)
            .or_insert_with(|| next_id(kinds, Kind::Gram(g)))
    }

    fn named(&mut self, n: &str) -> u32 {
        str_id(&mut self.named, &mut self.kinds, n, || Kind::Named)
    }

    /// Each local id's feature name.
    fn into_names(self) -> Vec<String> {
        let word = |id: u32| match self.kinds[id as usize] {
            Kind::Word(w) => w,
            _ => unreachable!("a pair's ids are words'"),
        };
        let mut names: Vec<String> = self
            .kinds
            .iter()
            .map(|kind| {
                let mut name = String::new();
                match *kind {
                    Kind::Word(w) => {
                        name.push_str("w:");
                        name.push_str(w);
                    }
                    Kind::Pair(a, b) => push_pair_name(word(a), word(b), &mut name),
                    Kind::Gram(g) => push_gram_name(g, &mut name),
                    Kind::Named => {}
                }
                name
            })
            .collect();
        for (name, id) in self.named.into_entries() {
            names[id as usize] = name;
        }
        names
    }
}

/// A name's first 16 bytes as a big-endian number (zero-padded): comparing two of them orders
/// the names as their bytes would, up to a tie that the bytes past 16 (or a padding zero
/// against a real one) settle.
fn leading_bytes(name: &str) -> u128 {
    let mut lead = [0u8; 16];
    let n = name.len().min(16);
    lead[..n].copy_from_slice(&name.as_bytes()[..n]);
    u128::from_be_bytes(lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Terms {
        s.split(' ').filter(|w| !w.is_empty()).collect()
    }

    #[test]
    fn raw_features_weight_titles_and_include_char_grams() {
        let title = words("医保");
        let text = words("报销 难");
        let raw = raw_features(
            &FeatureInput {
                title_words: &title,
                text_words: &text,
                text: "医保。报销难",
            },
            &FeatureConfig::legacy(),
        );
        assert_eq!(raw.iter().filter(|f| *f == "w:医保").count(), 2);
        assert!(raw.contains(&"b:报销+难".to_string()));
        assert!(raw.contains(&"c:报销难".to_string()));
        assert!(
            raw.contains(&"c:保报".to_string()),
            "punctuation is skipped in char grams"
        );
    }

    #[test]
    fn fit_documents_matches_fit_then_vector() {
        let texts = [
            ("医保 报销", "报销 难 医保 卡", "医保报销。报销难医保卡"),
            ("", "贷款 难 银行", "贷款难银行"),
            ("贷款", "银行 抵押 贷款 难", "贷款。银行抵押贷款难"),
            ("", "报销 慢", "报销慢"),
            // Two pairs with one name (b:c+++java), a pair twice in a text, a title's pairs.
            ("c++ java", "c++ java 岗位 c ++java", "c++java岗位c++java"),
            ("", "c ++java 岗位", "c++java岗位"),
        ];
        let owned: Vec<(Terms, Terms, String)> = texts
            .iter()
            .map(|(t, x, all)| (words(t), words(x), all.to_string()))
            .collect();
        let inputs: Vec<FeatureInput> = owned
            .iter()
            .map(|(t, x, all)| FeatureInput {
                title_words: t,
                text_words: x,
                text: all,
            })
            .collect();
        let long_grams = FeatureConfig {
            char_max: 4,
            ..FeatureConfig::legacy()
        };
        // The default's min_df (3) would keep few features of four documents.
        let default = FeatureConfig {
            min_df: 2,
            ..FeatureConfig::default()
        };
        for config in [FeatureConfig::legacy(), default, long_grams] {
            let raw: Vec<Vec<String>> = inputs.iter().map(|i| raw_features(i, &config)).collect();
            let space = FeatureSpace::fit(&raw, &config);
            let (fitted, vectors) = FeatureSpace::fit_documents(&inputs, &config);
            assert_eq!(fitted, space);
            assert!(space.len() > 5, "features seen twice are kept");
            if config.word_bigrams && config.min_df <= 2 {
                assert!(
                    space.names.iter().any(|n| n == "b:c+++java"),
                    "{:?}",
                    space.names
                );
            }
            for ((r, v), input) in raw.iter().zip(&vectors).zip(&inputs) {
                assert_eq!(&space.vector(r), v);
                assert_eq!(&space.vector_of(input), v);
                assert_eq!(
                    &fitted.vector_of(input),
                    v,
                    "the maps made beside the vectors"
                );
            }
        }
    }

    #[test]
    fn leading_bytes_then_the_name_is_the_names_order() {
        let mut names = vec![
            "c:医保",
            "c:医",
            "w:贷款难",
            "w:贷款难题很多很多",
            "w:贷款难题很多很少",
            "a\0",
            "a",
            "",
            "w:abcdefghijklmn",
            "w:abcdefghijklm",
            "w:abcdefghijklmn\0",
        ];
        let mut by_key = names.clone();
        names.sort();
        by_key.sort_by(|a, b| {
            leading_bytes(a)
                .cmp(&leading_bytes(b))
                .then_with(|| a.cmp(b))
        });
        assert_eq!(by_key, names);
    }

    #[test]
    fn packed_grams_name_their_characters() {
        let text = "Ab医。𠀋保z";
        let none = Terms::new();
        let input = FeatureInput {
            title_words: &none,
            text_words: &none,
            text,
        };
        let config = FeatureConfig {
            char_max: 4,
            ..FeatureConfig::legacy()
        };
        let mut names = Vec::new();
        for_each_feature(&input, &config, |f| names.push(f.to_string()));
        let chars: Vec<char> = text.chars().filter(|c| *c != '。').collect();
        let want: Vec<String> = (1..=4)
            .flat_map(|n| {
                chars
                    .windows(n)
                    .map(|g| format!("c:{}", String::from_iter(g)))
            })
            .collect();
        assert_eq!(names, want);
    }

    /// A space written by hand may hold a pair without its words, or a pair of a word with
    /// `+`: the document's vector finds them as its names would.
    #[test]
    fn pairs_are_found_without_their_words_and_by_ambiguous_names() {
        let names = |s: &str| -> Vec<String> { s.split(' ').map(str::to_string).collect() };
        let spaced = |features: &str| {
            let names = names(features);
            let idf = (1..=names.len()).map(|i| i as f32).collect();
            FeatureSpace::with_names(names, idf, FeatureConfig::legacy())
        };
        let (title, text) = (words("贷款 难 c++ java"), words("贷款 难 银行"));
        let input = FeatureInput {
            title_words: &title,
            text_words: &text,
            text: "贷款难c++java。贷款难银行",
        };
        let raw = raw_features(&input, &FeatureConfig::legacy());
        for features in [
            "b:c+++java b:贷款+难 b:难+银行 w:c++ w:贷款",
            "b:c+++java b:贷款+难 w:java w:c++ w:难 w:贷款",
            "b:难+银行 c:贷款 w:银行",
        ] {
            let space = spaced(features);
            assert_eq!(space.vector_of(&input), space.vector(&raw), "{features}");
            assert!(space.vector_of(&input).0.len() >= 2, "{features}");
        }
        let whole = spaced("b:c+++java b:贷款+难 b:难+银行 w:c++ w:java w:难 w:贷款 w:银行");
        assert!(!whole.word_ids.orphan_pairs);
        assert_eq!(whole.word_ids.pairs.len(), 2, "b:c+++java goes by name");
        assert!(spaced("b:难+银行 w:银行").word_ids.orphan_pairs);
    }

    #[test]
    fn min_df_drops_rare_features_and_vectors_are_unit() {
        let names = |s: &str| -> Vec<String> { s.split(' ').map(str::to_string).collect() };
        let docs = vec![names("w:a w:b"), names("w:a w:c"), names("w:a w:b")];
        let space = FeatureSpace::fit(&docs, &FeatureConfig::legacy());
        assert_eq!(space.names, vec!["w:a", "w:b"]);
        let v = space.vector(&names("w:a w:b w:zzz"));
        assert!((v.dot(&v) - 1.0).abs() < 1e-5);
        assert_eq!(space.display(1), "b");
    }
}
