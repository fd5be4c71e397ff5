//! Packed TF-IDF vectors, for the merge's million-item batches: each document keeps only its
//! feature ids and counts, as two-byte id gaps and the few counts above one apart (about two
//! bytes per entry instead of eight for an id and a weight), plus its norm. A weight is
//! recomputed when read, by exactly the float operations [`super::TfIdf::fit`] uses, so every
//! weight and dot product is the same to the bit.
//!
//! Fitting streams over the documents twice — once to count document frequencies, once to build
//! each vector — so no document's feature list outlives its own step.

use std::hash::Hash;

use rayon::prelude::*;

use super::bigram_ids::BigramIds;
use super::tfidf::{count_documents, count_documents_dense};
use super::{sort_ids, varint, FxMap, SparseVec};
use crate::memory;

/// Each distinct feature of `n` documents (`features(i, buf)` appends document `i`'s) with the
/// number of documents holding it, in feature order.
fn counted_sorted<T, F>(n: usize, features: &F) -> Vec<(T, u32)>
where
    T: Copy + Eq + Hash + Ord + Send + Sync,
    F: Fn(usize, &mut Vec<T>) + Sync,
{
    let mut sorted: Vec<(T, u32)> = count_documents(n, |i, count| {
        let mut buf = Vec::new();
        features(i, &mut buf);
        buf.into_iter().for_each(count)
    })
    .into_iter()
    .collect();
    // Features are distinct, so the unstable sort gives one order.
    sorted.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    sorted
}

/// Cache lines of a document that [`PackedVectors::prefetch`] asks for.
const PREFETCH_LINES: usize = 16;

/// TF-IDF vectors over features numbered in sorted feature order.
pub struct PackedVectors {
    pub idf: Vec<f32>,
    /// Each feature's document frequency, as the idf was computed from it.
    pub df: Vec<u32>,
    /// Per document: its entries as [`encode`] lays them out.
    docs: Vec<Box<[u8]>>,
    /// Per document: the L2 norm of its unnormalised weights.
    norms: Vec<f32>,
}

impl PackedVectors {
    /// Fits on `n` documents; `features(i, buf)` appends document `i`'s features to `buf`
    /// (repeats count, sublinearly). Called twice per document. Also returns the features by id.
    pub fn fit<T, F>(n: usize, features: F) -> (Self, Vec<T>)
    where
        T: Copy + Eq + Hash + Ord + Send + Sync,
        F: Fn(usize, &mut Vec<T>) + Sync,
    {
        Self::fit_in(n, features, None::<(fn(&T) -> u32, u32)>)
    }

    /// Like [`PackedVectors::fit`], with the document frequencies of a larger collection these
    /// documents belong to: `known = (df, docs)` gives each feature's frequency there and its
    /// number of documents, so these few are weighed as the whole collection would weigh them.
    pub fn fit_in<T, F, D>(n: usize, features: F, known: Option<(D, u32)>) -> (Self, Vec<T>)
    where
        T: Copy + Eq + Hash + Ord + Send + Sync,
        F: Fn(usize, &mut Vec<T>) + Sync,
        D: Fn(&T) -> u32,
    {
        let sorted = counted_sorted(n, &features);
        Self::pack_by_map(n, sorted, known, &features)
    }

    /// [`PackedVectors::pack`] with the features numbered through a map from each to its place
    /// in `sorted`.
    fn pack_by_map<T, F, D>(
        n: usize,
        sorted: Vec<(T, u32)>,
        known: Option<(D, u32)>,
        features: &F,
    ) -> (Self, Vec<T>)
    where
        T: Copy + Eq + Hash + Send + Sync,
        F: Fn(usize, &mut Vec<T>) + Sync,
        D: Fn(&T) -> u32,
    {
        let ids: FxMap<T, u32> = sorted
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (*t, i as u32))
            .collect();
        Self::pack(n, sorted, known, features, |t| ids[t])
    }

    /// [`PackedVectors::fit_in`] for character bigrams as [`super::push_char_bigrams`] packs
    /// them: once counted, they are numbered through a [`BigramIds`] table rather than a map when
    /// their characters are few enough (a few thousand in Chinese text). The same vectors and
    /// features either way.
    pub fn fit_bigrams_in<F, D>(n: usize, features: F, known: Option<(D, u32)>) -> (Self, Vec<u64>)
    where
        F: Fn(usize, &mut Vec<u64>) + Sync,
        D: Fn(&u64) -> u32,
    {
        let sorted = counted_sorted(n, &features);
        match BigramIds::of_sorted(sorted.iter().map(|&(b, _)| b)) {
            Some(ids) => Self::pack(n, sorted, known, &features, |&b| ids.id(b)),
            None => Self::pack_by_map(n, sorted, known, &features),
        }
    }

    /// [`PackedVectors::fit_in`] for features that are numbers below `dims` (a vocabulary's
    /// ranks): counted and looked up in arrays as long as `dims`, not in maps. The same vectors
    /// and features as [`PackedVectors::fit_in`] gives.
    pub fn fit_dense_in<F, D>(
        n: usize,
        dims: usize,
        features: F,
        known: Option<(D, u32)>,
    ) -> (Self, Vec<u32>)
    where
        F: Fn(usize, &mut Vec<u32>) + Sync,
        D: Fn(&u32) -> u32,
    {
        let df = count_documents_dense(n, dims, |i, buf| features(i, buf));
        let sorted: Vec<(u32, u32)> = (0..dims as u32).zip(df).filter(|&(_, d)| d > 0).collect();
        let mut ids = vec![u32::MAX; dims];
        for (i, &(t, _)) in sorted.iter().enumerate() {
            ids[t as usize] = i as u32;
        }
        Self::pack(n, sorted, known, &features, |&t| ids[t as usize])
    }

    /// The second pass of a fit: idf from the features' document frequencies (`sorted`, in
    /// feature order), then each document packed with its features numbered by `id`.
    fn pack<T, F, D, I>(
        n: usize,
        mut sorted: Vec<(T, u32)>,
        known: Option<(D, u32)>,
        features: &F,
        id: I,
    ) -> (Self, Vec<T>)
    where
        T: Copy + Send + Sync,
        F: Fn(usize, &mut Vec<T>) + Sync,
        D: Fn(&T) -> u32,
        I: Fn(&T) -> u32 + Sync,
    {
        let mut docs_f = n as f32;
        if let Some((df, docs)) = known {
            // The collection holds these documents, so it counts at least what they do.
            for (t, d) in sorted.iter_mut() {
                *d = df(t).max(*d);
            }
            docs_f = docs.max(n as u32) as f32;
        }
        let idf: Vec<f32> = sorted
            .iter()
            .map(|&(_, d)| ((1.0 + docs_f) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let (features_sorted, df): (Vec<T>, Vec<u32>) = sorted.into_iter().unzip();
        let (docs, norms): (Vec<Box<[u8]>>, Vec<f32>) = (0..n)
            .into_par_iter()
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
                |(buf, doc_ids, scratch, raw), i| {
                    buf.clear();
                    features(i, buf);
                    doc_ids.clear();
                    doc_ids.extend(buf.iter().map(&id));
                    sort_ids(doc_ids, scratch);
                    encode(doc_ids, &idf, raw)
                },
            )
            .unzip();
        let vectors = PackedVectors {
            idf,
            df,
            docs,
            norms,
        };
        (vectors, features_sorted)
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Number of features (ids run below it).
    pub fn dims(&self) -> usize {
        self.idf.len()
    }

    /// Stored bytes of a document's entries: a cheap measure of its length.
    pub fn stored_len(&self, doc: usize) -> usize {
        self.docs[doc].len()
    }

    /// A document's (feature id, weight) entries in id order.
    pub fn entries(&self, doc: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        let norm = self.norms[doc];
        Counts::new(&self.docs[doc]).map(move |(id, tf)| (id, self.weight(norm, id, tf)))
    }

    /// A document's vector, unpacked.
    pub fn vector(&self, doc: usize) -> SparseVec {
        SparseVec(self.entries(doc).collect())
    }

    /// `(1 + ln tf) · idf`, divided by the norm as the fit divides it.
    #[inline]
    fn weight(&self, norm: f32, id: u32, tf: u32) -> f32 {
        let idf = self.idf[id as usize];
        // Most counts are 1, whose factor is exactly 1 (ln 1 = +0): skip the logarithm.
        let w = if tf == 1 { idf } else { tf_factor(tf) * idf };
        if norm > 0.0 {
            w / norm
        } else {
            w
        }
    }

    /// Dot product of two documents: the products of shared ids, summed in id order (weights
    /// are computed for shared ids only).
    pub fn dot(&self, a: usize, b: usize) -> f32 {
        let (na, nb) = (self.norms[a], self.norms[b]);
        let (mut x, mut y) = (Counts::new(&self.docs[a]), Counts::new(&self.docs[b]));
        let (mut ex, mut ey) = (x.next(), y.next());
        let mut sum = 0f32;
        while let (Some((i, s)), Some((j, t))) = (ex, ey) {
            match i.cmp(&j) {
                std::cmp::Ordering::Less => ex = x.next(),
                std::cmp::Ordering::Greater => ey = y.next(),
                std::cmp::Ordering::Equal => {
                    sum += self.weight(na, i, s) * self.weight(nb, j, t);
                    ex = x.next();
                    ey = y.next();
                }
            }
        }
        sum
    }

    /// `dot(doc, doc)`, reading the document once: the same products in the same order, so the
    /// same float (a group of one item is described by its similarity to itself).
    pub fn self_dot(&self, doc: usize) -> f32 {
        let mut sum = 0f32;
        for (_, w) in self.entries(doc) {
            sum += w * w;
        }
        sum
    }

    /// `doc · other`, with `other` a sparse vector in the same space (a group's sum): each of the
    /// document's ids is looked up in `other` by galloping from the last match. Same products,
    /// same order as [`SparseVec::dot`], so the same float.
    pub fn dot_sparse(&self, doc: usize, other: &SparseVec) -> f32 {
        let long = &other.0;
        let norm = self.norms[doc];
        let (mut from, mut sum) = (0, 0f32);
        for (id, tf) in Counts::new(&self.docs[doc]) {
            let rest = &long[from..];
            let mut end = 1;
            while end < rest.len() && rest[end - 1].0 < id {
                end *= 2;
            }
            let end = end.min(rest.len());
            from += rest[..end].partition_point(|e| e.0 < id);
            if from == long.len() {
                break;
            }
            if long[from].0 == id {
                sum += self.weight(norm, id, tf) * long[from].1;
                from += 1;
            }
        }
        sum
    }

    /// `probe`'s document `·` `doc`: the same float as [`PackedVectors::dot`] of the two, at the
    /// cost of reading `doc` alone (see [`Probe`]).
    pub fn dot_probe(&self, probe: &mut Probe, doc: usize) -> f32 {
        let (gaps, counts) = split(&self.docs[doc]);
        // Shared ids are picked out without a branch per id (whether one is shared is a coin
        // toss to the branch predictor), then weighed in id order with their counts. The gaps
        // have a fixed width, so reading one does not wait for the one before it.
        let entries = gaps.len() / 2;
        if probe.hits.len() < entries {
            probe.hits.resize(entries, (0, 0));
        }
        let mut shared = 0;
        for (id, entry) in Ids::new(gaps) {
            probe.hits[shared] = (id, entry);
            shared += (probe.bits[id as usize / 64] >> (id % 64)) as usize & 1;
        }
        let norm = self.norms[doc];
        let mut counts = AboveOne::new(counts);
        let mut sum = 0f32;
        for &(id, entry) in &probe.hits[..shared] {
            let tf = counts.count_of(entry);
            sum += probe.dense[id as usize] * self.weight(norm, id, tf);
        }
        sum
    }

    /// Asks the processor to start fetching where `doc`'s bytes are and its norm, for
    /// [`PackedVectors::prefetch`] and [`PackedVectors::dot_probe`] a little later: the list of
    /// documents is read at random too, and [`PackedVectors::prefetch`] waited for its entry.
    #[inline]
    pub fn prefetch_entry(&self, doc: usize) {
        if let (Some(entry), Some(norm)) = (self.docs.get(doc), self.norms.get(doc)) {
            memory::prefetch(entry);
            memory::prefetch(norm);
        }
    }

    /// Asks the processor to start fetching `doc`'s first bytes, to be read a little later by
    /// [`PackedVectors::dot_probe`]. The merge reads thousands of documents scattered in memory,
    /// one after another: waiting for each one's first bytes was a quarter of its time.
    #[inline]
    pub fn prefetch(&self, doc: usize) {
        for line in self.docs[doc].chunks(64).take(PREFETCH_LINES) {
            memory::prefetch(line.as_ptr());
        }
    }

    /// `dense · doc`, summed in the document's id order over ids where `dense` is not zero, as
    /// the grouping's gather over a sparse vector does.
    pub fn gather(&self, dense: &[f32], doc: usize) -> f32 {
        let norm = self.norms[doc];
        let mut sum = 0f32;
        for (id, tf) in Counts::new(&self.docs[doc]) {
            let d = dense[id as usize];
            if d != 0.0 {
                sum += d * self.weight(norm, id, tf);
            }
        }
        sum
    }
}

/// One document's weights laid out by feature id, for its dot products with many others
/// ([`PackedVectors::dot_probe`]): each then walks the other document alone, with no merge of two
/// varint streams. The products are the same, summed in the same id order, so the same floats.
/// Takes four bytes and a bit per feature of the space; one per thread is enough.
pub struct Probe {
    /// The loaded document's weights by id (stale where `bits` is clear).
    dense: Vec<f32>,
    /// One bit per feature: set for the loaded document's ids.
    bits: Vec<u64>,
    /// The loaded document's ids, to clear their bits when the next one is loaded.
    ids: Vec<u32>,
    /// Scratch: the (id, count) entries of the other document that the loaded one shares.
    hits: Vec<(u32, u32)>,
}

impl Probe {
    /// An empty probe for documents of `vectors`.
    pub fn new(vectors: &PackedVectors) -> Self {
        Probe {
            dense: vec![0.0; vectors.dims()],
            bits: vec![0; vectors.dims().div_ceil(64)],
            ids: Vec::new(),
            hits: Vec::new(),
        }
    }

    /// Puts document `doc` of `vectors` (the vectors it was made for) in place of the last one.
    pub fn load(&mut self, vectors: &PackedVectors, doc: usize) {
        for &id in &self.ids {
            self.bits[id as usize / 64] = 0;
        }
        self.ids.clear();
        for (id, w) in vectors.entries(doc) {
            let id = id as usize;
            self.dense[id] = w;
            self.bits[id / 64] |= 1 << (id % 64);
            self.ids.push(id as u32);
        }
    }
}

/// `1 + ln tf` as an `f32`, as the fit computes it. Counts below [`TF_TABLE`] are looked up:
/// the merge weighs every shared entry of every candidate pair, and the logarithm was most of
/// that for repeated terms.
#[inline]
fn tf_factor(tf: u32) -> f32 {
    match TF_FACTORS.get(tf as usize) {
        Some(&f) => f,
        None => tf_factor_computed(tf),
    }
}

fn tf_factor_computed(tf: u32) -> f32 {
    1.0 + (tf as f32).ln()
}

const TF_TABLE: usize = 256;

/// [`tf_factor_computed`] of 0 to 255, computed once: the same floats.
static TF_FACTORS: std::sync::LazyLock<[f32; TF_TABLE]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|tf| tf_factor_computed(tf as u32)));

/// A gap unit with this value is followed by the gap in two more units (a gap this large is
/// rare: a few in a million).
const ESCAPE: u16 = u16::MAX;

/// Packs one document from its sorted feature ids; returns the bytes and the norm. `raw` is
/// scratch space for the unnormalised weights.
///
/// The bytes: the number of gap units (a varint), the units (`u16`, little-endian: each entry's
/// id minus the one before, the first from 0, or [`ESCAPE`] and the gap as a `u32` in the next
/// two), then the entries whose count is above 1, in order, as varints of the entry's number
/// minus the previous such entry's (the first from 0) and of the count minus 2.
fn encode(sorted_ids: &[u32], idf: &[f32], raw: &mut Vec<f32>) -> (Box<[u8]>, f32) {
    let mut units: Vec<u16> = Vec::with_capacity(sorted_ids.len());
    let mut counts = Vec::new();
    raw.clear();
    let (mut k, mut prev, mut entry, mut prev_counted) = (0, 0u32, 0u32, 0u32);
    while k < sorted_ids.len() {
        let id = sorted_ids[k];
        let tf = sorted_ids[k..].iter().take_while(|&&x| x == id).count();
        raw.push(tf_factor(tf as u32) * idf[id as usize]);
        let gap = id - prev;
        match u16::try_from(gap) {
            Ok(g) if g != ESCAPE => units.push(g),
            _ => units.extend([ESCAPE, gap as u16, (gap >> 16) as u16]),
        }
        if tf > 1 {
            varint::put(&mut counts, u64::from(entry - prev_counted));
            varint::put(&mut counts, tf as u64 - 2);
            prev_counted = entry;
        }
        prev = id;
        entry += 1;
        k += tf;
    }
    let mut out = Vec::with_capacity(3 + 2 * units.len() + counts.len());
    varint::put(&mut out, units.len() as u64);
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out.extend(counts);
    // The same sum, in the same order, as the fit's norm.
    let norm = raw.iter().map(|w| w * w).sum::<f32>().sqrt();
    (out.into_boxed_slice(), norm)
}

/// A packed document's gap units and its counts above one.
#[inline]
fn split(bytes: &[u8]) -> (&[u8], &[u8]) {
    let mut rest = bytes;
    let units = varint::read(&mut rest) as usize;
    rest.split_at(2 * units)
}

/// Reads a packed document's gap units as (feature id, entry number) in id order.
struct Ids<'a> {
    units: &'a [u8],
    id: u32,
    entry: u32,
}

impl<'a> Ids<'a> {
    fn new(units: &'a [u8]) -> Self {
        Ids {
            units,
            id: 0,
            entry: 0,
        }
    }
}

impl Iterator for Ids<'_> {
    type Item = (u32, u32);

    #[inline]
    fn next(&mut self) -> Option<(u32, u32)> {
        let [a, b, rest @ ..] = self.units else {
            return None;
        };
        let unit = u16::from_le_bytes([*a, *b]);
        let gap = if unit != ESCAPE {
            self.units = rest;
            u32::from(unit)
        } else {
            let (gap, rest) = rest.split_at(4);
            self.units = rest;
            u32::from_le_bytes([gap[0], gap[1], gap[2], gap[3]])
        };
        self.id += gap;
        let entry = self.entry;
        self.entry += 1;
        Some((self.id, entry))
    }
}

/// A packed document's counts above one, asked for in entry order.
struct AboveOne<'a> {
    bytes: &'a [u8],
    /// The next entry with a count above one, and its count.
    next: Option<(u32, u32)>,
}

impl<'a> AboveOne<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut counts = AboveOne { bytes, next: None };
        counts.next = counts.read(0);
        counts
    }

    fn read(&mut self, after: u32) -> Option<(u32, u32)> {
        if self.bytes.is_empty() {
            return None;
        }
        let entry = after + varint::read(&mut self.bytes) as u32;
        let count = varint::read(&mut self.bytes) as u32 + 2;
        Some((entry, count))
    }

    /// The count of `entry`; entries are asked for in increasing order.
    #[inline]
    fn count_of(&mut self, entry: u32) -> u32 {
        while let Some((e, count)) = self.next {
            if e > entry {
                break;
            }
            self.next = self.read(e);
            if e == entry {
                return count;
            }
        }
        1
    }
}

/// Reads a packed document as (feature id, count) in id order.
struct Counts<'a> {
    ids: Ids<'a>,
    counts: AboveOne<'a>,
}

impl<'a> Counts<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let (gaps, counts) = split(bytes);
        Counts {
            ids: Ids::new(gaps),
            counts: AboveOne::new(counts),
        }
    }
}

impl Iterator for Counts<'_> {
    type Item = (u32, u32);

    #[inline]
    fn next(&mut self) -> Option<(u32, u32)> {
        let (id, entry) = self.ids.next()?;
        Some((id, self.counts.count_of(entry)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{push_char_bigrams, TfIdf};
    use super::*;

    fn docs() -> Vec<Vec<u64>> {
        let mut docs: Vec<Vec<u64>> = vec![
            vec![5, 9, 5, 300, 70_000, 5],
            vec![9, 300],
            vec![],
            vec![1 << 40, 9, 9],
        ];
        // a long document with wide gaps and a count past one varint byte
        docs.push((0..400u64).map(|i| i * i * 37).chain([7; 200]).collect());
        docs
    }

    #[test]
    fn looked_up_tf_factors_are_the_computed_ones_to_the_bit() {
        for tf in 0..2 * TF_TABLE as u32 {
            assert_eq!(
                tf_factor(tf).to_bits(),
                (1.0 + (tf as f32).ln()).to_bits(),
                "{tf}"
            );
        }
    }

    #[test]
    fn weights_and_dots_are_the_unpacked_fit_to_the_bit() {
        let docs = docs();
        let plain = TfIdf::fit(&docs);
        let (packed, _) =
            PackedVectors::fit(docs.len(), |i, buf: &mut Vec<u64>| buf.extend(&docs[i]));
        assert_eq!(packed.idf, plain.idf);
        assert_eq!(packed.dims(), plain.terms.len());
        for a in 0..docs.len() {
            assert_eq!(packed.vector(a), plain.vectors[a], "doc {a}");
            for b in 0..docs.len() {
                let expected = plain.vectors[a].dot(&plain.vectors[b]).to_bits();
                assert_eq!(packed.dot(a, b).to_bits(), expected);
                if a == b {
                    assert_eq!(packed.self_dot(a).to_bits(), expected);
                }
                assert_eq!(packed.dot_sparse(a, &plain.vectors[b]).to_bits(), expected);
                let mut dense = vec![0f32; packed.dims()];
                for &(id, w) in &plain.vectors[b].0 {
                    dense[id as usize] = w;
                }
                assert_eq!(packed.gather(&dense, a).to_bits(), expected);
                let mut probe = Probe::new(&packed);
                probe.load(&packed, (a + 1) % docs.len());
                probe.load(&packed, b);
                assert_eq!(packed.dot_probe(&mut probe, a).to_bits(), expected);
            }
        }
    }

    #[test]
    fn dense_features_fit_as_hashed_ones_do() {
        // Numbers below 1,000, some never used (their ids are skipped), repeats and an empty
        // document; alone and as part of a larger collection.
        let docs: Vec<Vec<u32>> = (0..50u32)
            .map(|d| (0..d % 13).map(|k| (d * 37 + k * k * 11) % 997).collect())
            .chain([vec![], vec![999, 999, 3]])
            .collect();
        let features = |i: usize, buf: &mut Vec<u32>| buf.extend(&docs[i]);
        let df = |t: &u32| t % 7;
        let unknown = None::<(fn(&u32) -> u32, u32)>;
        for known in [None, Some(200)] {
            let (hashed, hashed_features) = match known {
                None => PackedVectors::fit_in(docs.len(), features, unknown),
                Some(n) => PackedVectors::fit_in(docs.len(), features, Some((df, n))),
            };
            let (dense, dense_features) = match known {
                None => PackedVectors::fit_dense_in(docs.len(), 1000, features, unknown),
                Some(n) => PackedVectors::fit_dense_in(docs.len(), 1000, features, Some((df, n))),
            };
            assert!(hashed_features.len() < 1000);
            assert_eq!(dense_features, hashed_features);
            assert_eq!(dense.df, hashed.df);
            assert_eq!(dense.idf, hashed.idf);
            assert_eq!(dense.norms, hashed.norms);
            assert_eq!(dense.docs, hashed.docs);
        }
        let (none, features) =
            PackedVectors::fit_dense_in(0, 10, |_, _: &mut Vec<u32>| {}, unknown);
        assert!(none.is_empty() && features.is_empty() && none.dims() == 0);
    }

    #[test]
    fn bigrams_fit_as_hashed_ones_do() {
        // Chinese, Latin and a character beyond the BMP; then more distinct characters than the
        // table takes (numbered through the map instead).
        let few = [
            "银行贷款难，贷款利率高",
            "ERP系统贷款 erp",
            "𠀀字表外𠀁贷款",
            "a",
            "",
        ];
        let many: String = (0..20_000u32)
            .filter_map(|k| char::from_u32(0x4E00 + k))
            .collect();
        for texts in [few.map(String::from).to_vec(), vec![many, "贷款".into()]] {
            let features = |i: usize, buf: &mut Vec<u64>| push_char_bigrams(&texts[i], buf);
            let df = |b: &u64| (b % 5) as u32;
            let unknown = None::<(fn(&u64) -> u32, u32)>;
            for known in [None, Some(200)] {
                let ((hashed, hashed_features), (table, table_features)) = match known {
                    None => (
                        PackedVectors::fit_in(texts.len(), features, unknown),
                        PackedVectors::fit_bigrams_in(texts.len(), features, unknown),
                    ),
                    Some(n) => (
                        PackedVectors::fit_in(texts.len(), features, Some((df, n))),
                        PackedVectors::fit_bigrams_in(texts.len(), features, Some((df, n))),
                    ),
                };
                assert!(!hashed_features.is_empty());
                assert_eq!(table_features, hashed_features);
                assert_eq!(table.df, hashed.df);
                assert_eq!(table.idf, hashed.idf);
                assert_eq!(table.norms, hashed.norms);
                assert_eq!(table.docs, hashed.docs);
            }
        }
    }

    #[test]
    fn a_count_of_one_weighs_exactly_the_idf() {
        assert_eq!(tf_factor(1).to_bits(), 1f32.to_bits());
    }

    #[test]
    fn packs_in_about_two_bytes_an_entry() {
        let docs = docs();
        let (packed, _) =
            PackedVectors::fit(docs.len(), |i, buf: &mut Vec<u64>| buf.extend(&docs[i]));
        // the number of gap units, then two bytes a gap; no count above one
        assert_eq!(packed.stored_len(1), 1 + 2 * 2);
        assert!(packed.stored_len(4) < 3 * 401);
    }

    #[test]
    fn gaps_too_wide_for_two_bytes_and_large_counts_come_back() {
        // 70,000 features: ids far apart, one gap of exactly the escape value, counts of 2 to 300.
        let mut docs: Vec<Vec<u64>> = vec![(0..70_000).collect()];
        docs.push(vec![0, 69_999, 69_999]);
        docs.push(vec![3, 3 + u64::from(ESCAPE), 3 + u64::from(ESCAPE) + 1]);
        docs.push([1, 65_534, 65_535, 65_536].repeat(3));
        docs.push((0..300).map(|_| 40_000).chain([5, 5, 41_000]).collect());
        let plain = TfIdf::fit(&docs);
        let (packed, _) =
            PackedVectors::fit(docs.len(), |i, buf: &mut Vec<u64>| buf.extend(&docs[i]));
        let mut probe = Probe::new(&packed);
        for a in 0..docs.len() {
            assert_eq!(packed.vector(a), plain.vectors[a], "doc {a}");
            for b in 0..docs.len() {
                let expected = plain.vectors[a].dot(&plain.vectors[b]).to_bits();
                assert_eq!(packed.dot(a, b).to_bits(), expected, "{a} {b}");
                if a == b {
                    assert_eq!(packed.self_dot(a).to_bits(), expected, "{a}");
                }
                probe.load(&packed, b);
                assert_eq!(packed.dot_probe(&mut probe, a).to_bits(), expected);
            }
        }
    }
}
