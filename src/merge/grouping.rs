//! Grouping without chaining: candidate edges are taken from the most similar down, and two groups
//! join only if the AVERAGE similarity between all their members clears the threshold (average
//! linkage). With unit vectors that average is the dot product of the groups' sum vectors divided
//! by the product of their sizes, so the check costs one sparse dot product, not |A|·|B|.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::disjoint::DisjointSets;
use crate::vectors::{FxMap, PackedVectors, Probe, SparseVec};

/// One candidate edge between items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub sim: f32,
}

/// Sorts edges into the order [`Groups::link`] takes them: most similar first, ties by items.
/// (sim, a, b) is unique, so the unstable sort gives the one order.
pub fn sort_edges(edges: &mut [Edge]) {
    edges.par_sort_unstable_by(|x, y| y.sim.total_cmp(&x.sim).then((x.a, x.b).cmp(&(y.a, y.b))));
}

/// The two vector spaces an item lives in, and how they are weighted.
pub struct Space<'a> {
    pub words: &'a PackedVectors,
    pub chars: &'a PackedVectors,
    pub word_weight: f32,
}

impl Space<'_> {
    pub fn sim(&self, a: usize, b: usize) -> f32 {
        self.word_weight * self.words.dot(a, b) + (1.0 - self.word_weight) * self.chars.dot(a, b)
    }

    /// `sim(a, a)`, each vector read once: the same float.
    pub fn self_sim(&self, a: usize) -> f32 {
        self.word_weight * self.words.self_dot(a)
            + (1.0 - self.word_weight) * self.chars.self_dot(a)
    }

    /// Scratch space to compare one item with many (see [`Space::sim_probe`]).
    pub fn probe(&self) -> SpaceProbe {
        SpaceProbe {
            words: Probe::new(self.words),
            chars: Probe::new(self.chars),
        }
    }

    /// Makes `probe` stand for item `a`.
    pub fn load(&self, probe: &mut SpaceProbe, a: usize) {
        probe.words.load(self.words, a);
        probe.chars.load(self.chars, a);
    }

    /// Starts fetching where item `b`'s vectors are, for [`Space::prefetch`] a little later.
    pub fn prefetch_entry(&self, b: usize) {
        self.words.prefetch_entry(b);
        self.chars.prefetch_entry(b);
    }

    /// Starts fetching item `b`'s vectors, to be compared a little later.
    pub fn prefetch(&self, b: usize) {
        self.words.prefetch(b);
        self.chars.prefetch(b);
    }

    /// Item `b` against a group's word and character sums laid out by feature id (as
    /// [`scatter_add`] lays them), weighed as [`Space::sim`] weighs: the same float as the
    /// sparse dots with the sums.
    pub fn gather(&self, sums: &(Vec<f32>, Vec<f32>), b: usize) -> f32 {
        self.word_weight * self.words.gather(&sums.0, b)
            + (1.0 - self.word_weight) * self.chars.gather(&sums.1, b)
    }

    /// `sim(a, b)` for the item `a` loaded in `probe`, to the bit, reading `b`'s vectors alone.
    pub fn sim_probe(&self, probe: &mut SpaceProbe, b: usize) -> f32 {
        self.word_weight * self.words.dot_probe(&mut probe.words, b)
            + (1.0 - self.word_weight) * self.chars.dot_probe(&mut probe.chars, b)
    }
}

/// One item's word and character vectors laid out by feature id ([`Probe`]).
pub struct SpaceProbe {
    words: Probe,
    chars: Probe,
}

/// A group's sums are also kept as dense arrays once they have at least this many entries (word
/// and character together) and at least 1/[`DENSE_SPARSITY`] of the dimensions: checking such a
/// group against another then costs the other's length, not both lengths.
const DENSE_MIN_LEN: usize = 1024;
const DENSE_SPARSITY: usize = 64;
/// Dense sums stop being made when they would take more than this many bytes in all.
const DENSE_BUDGET: usize = 512 << 20;

/// A group's word and character sum vectors, and when the group is large, the same as arrays.
struct Sums {
    words: SparseVec,
    chars: SparseVec,
    dense: Option<(Vec<f32>, Vec<f32>)>,
}

/// Union-find over items; the root of each group of two or more keeps the group's sum vectors
/// (a single item's sums are its own vectors, read from the space, not copied).
pub struct Groups<'a> {
    parent: Vec<u32>,
    size: Vec<u32>,
    words: &'a PackedVectors,
    chars: &'a PackedVectors,
    /// By root, for groups of two or more.
    sums: Vec<Option<Box<Sums>>>,
    /// By root: the group holds a frozen unit (see [`Groups::freeze`]).
    frozen: Vec<bool>,
    /// Word and character dimensions (largest id + 1).
    dims: (usize, usize),
    dense_min_len: usize,
    /// Bytes of dense sums, shared by the groupings of one merge ([`Groups::link_apart`]).
    dense_bytes: Arc<AtomicUsize>,
}

/// One linking pass ([`Groups::link`]): its threshold, and the edges it may use.
pub struct Pass<'p> {
    pub threshold: f32,
    pub allowed: &'p (dyn Fn(&Edge) -> bool + Sync),
}

impl<'a> Groups<'a> {
    /// The groups of `space`'s items: the `frozen` units joined and frozen ([`Groups::freeze`]),
    /// then each of `passes` linked over `edges` in turn (each edge's `sim` is [`Space::sim`]
    /// of its items, to the bit). Items that no usable edge or unit
    /// connects never end up together, so the connected parts are dealt out to two groupings,
    /// linked on two threads, then put together: within a part the same decisions in the same
    /// order as linking everything in one, so the same groups. (Linking was serial: 1 s of a
    /// run at 100,000 items, 12 s at a million.)
    pub fn link_apart(
        space: &Space<'a>,
        frozen: &[Vec<u32>],
        edges: &[Edge],
        passes: &[Pass],
        word_weight: f32,
    ) -> Self {
        let usable = |e: &Edge| {
            passes
                .iter()
                .any(|p| e.sim >= p.threshold && (p.allowed)(e))
        };
        let second = second_side(
            space.words.len(),
            frozen,
            edges.iter().filter(|e| usable(e)),
        );
        let mut first = Groups::new(space);
        let mut other = Groups::new(space);
        other.dense_bytes = first.dense_bytes.clone();
        for unit in frozen {
            match unit.first().is_some_and(|&i| second[i as usize]) {
                true => other.freeze(unit),
                false => first.freeze(unit),
            }
        }
        let link = |groups: &mut Groups, on_second: bool| {
            for p in passes {
                let mine = |e: &Edge| second[e.a as usize] == on_second && (p.allowed)(e);
                groups.link(edges, p.threshold, word_weight, mine);
            }
        };
        rayon::join(|| link(&mut first, false), || link(&mut other, true));
        for (i, _) in second.iter().enumerate().filter(|(_, s)| **s) {
            first.parent[i] = other.parent[i];
            first.size[i] = other.size[i];
            first.frozen[i] = other.frozen[i];
            first.sums[i] = other.sums[i].take();
        }
        first
    }

    pub fn new(space: &Space<'a>) -> Self {
        let n = space.words.len();
        let dims = (space.words.dims(), space.chars.dims());
        Groups {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
            words: space.words,
            chars: space.chars,
            sums: (0..n).map(|_| None).collect(),
            frozen: vec![false; n],
            dims,
            dense_min_len: DENSE_MIN_LEN.max((dims.0 + dims.1) / DENSE_SPARSITY),
            dense_bytes: Arc::default(),
        }
    }

    pub fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        let mut x = x;
        while self.parent[x as usize] != root {
            let next = self.parent[x as usize];
            self.parent[x as usize] = root;
            x = next;
        }
        root
    }

    /// Average similarity between all members of two groups (given by their roots).
    fn average_link(&self, ra: u32, rb: u32, word_weight: f32) -> f32 {
        let (a, b) = (ra as usize, rb as usize);
        // In u64: two groups of more than 65,536 items each overflow a u32 product. Every product
        // that fitted in u32 is the same integer, so the same float and the same decisions.
        let pairs = (u64::from(self.size[a]) * u64::from(self.size[b])) as f32;
        let (word_dot, char_dot) = match (self.sums[a].as_deref(), self.sums[b].as_deref()) {
            (None, None) => (self.words.dot(a, b), self.chars.dot(a, b)),
            (None, Some(s)) => self.item_dot(a, s),
            (Some(s), None) => self.item_dot(b, s),
            (Some(x), Some(y)) => sums_dot(x, y),
        };
        (word_weight * word_dot + (1.0 - word_weight) * char_dot) / pairs
    }

    /// A single item's vectors against a group's sums.
    fn item_dot(&self, item: usize, sums: &Sums) -> (f32, f32) {
        match &sums.dense {
            Some((dw, dc)) => (self.words.gather(dw, item), self.chars.gather(dc, item)),
            None => (
                self.words.dot_sparse(item, &sums.words),
                self.chars.dot_sparse(item, &sums.chars),
            ),
        }
    }

    /// Takes edges from the most similar down (`edges` in [`sort_edges`] order); joins two groups
    /// when their average link is at least `threshold`. `allowed` limits which edges this pass
    /// may use. Each edge's `sim` is [`Space::sim`] of its items, to the bit.
    pub fn link(
        &mut self,
        edges: &[Edge],
        threshold: f32,
        word_weight: f32,
        allowed: impl Fn(&Edge) -> bool,
    ) {
        debug_assert!(edges.windows(2).all(|w| w[0].sim >= w[1].sim));
        let order = edges.iter().filter(|e| e.sim >= threshold && allowed(e));
        // Two groups that failed the check fail it again until one of them grows: a root's size
        // says whether its group changed. Many edges join the same two groups, so this saves
        // most of the sum-vector dot products without changing any decision.
        let mut rejected: FxMap<(u32, u32), (u32, u32)> = FxMap::default();
        for e in order {
            let (ra, rb) = (self.find(e.a), self.find(e.b));
            if ra == rb || (self.frozen[ra as usize] && self.frozen[rb as usize]) {
                continue;
            }
            let pair = (ra.min(rb), ra.max(rb));
            let sizes = (self.size[pair.0 as usize], self.size[pair.1 as usize]);
            if rejected.get(&pair) == Some(&sizes) {
                continue;
            }
            // Two single items: their average link is their similarity, which the edge holds
            // (the same float: the candidates' probe gives `Space::sim` to the bit) and which
            // cleared the threshold.
            let single = sizes == (1, 1);
            debug_assert!(
                !single || e.sim.to_bits() == self.average_link(ra, rb, word_weight).to_bits()
            );
            if !single && self.average_link(ra, rb, word_weight) < threshold {
                rejected.insert(pair, sizes);
                continue;
            }
            self.union(ra, rb);
        }
    }

    /// Joins `members` into one unit before any linking, and freezes it: linking may add items
    /// and unfrozen groups to it, but never joins two frozen units (an existing large group,
    /// stood for by some of its members, when an added batch is merged in).
    pub fn freeze(&mut self, members: &[u32]) {
        for pair in members.windows(2) {
            self.join(pair[0], pair[1]);
        }
        if let Some(&first) = members.first() {
            let root = self.find(first);
            self.frozen[root as usize] = true;
        }
    }

    /// Puts two items in one group whatever their similarity (an analyst's merge).
    pub fn join(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.union(ra, rb);
        }
    }

    /// Joins two roots: the smaller group joins the larger (ties: the lower index stays root).
    fn union(&mut self, ra: u32, rb: u32) {
        let (keep, gone) = if (self.size[ra as usize], rb) >= (self.size[rb as usize], ra) {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let (k, g) = (keep as usize, gone as usize);
        self.parent[g] = keep;
        self.size[k] += self.size[g];
        self.frozen[k] |= self.frozen[g];
        let (mut kept, mut went) = (self.sums[k].take(), self.sums[g].take());
        let kept_dense = kept.as_mut().and_then(|s| s.dense.take());
        let went_dense = went.as_mut().and_then(|s| s.dense.take());
        let (kw, kc) = own_sums(&kept, self.words, self.chars, k);
        let (gw, gc) = own_sums(&went, self.words, self.chars, g);
        let (words, chars) = (kw.add(&gw), kc.add(&gc));
        // Dense sums follow the sparse ones exactly: the same two numbers are added (in either
        // order, which for one addition gives the same float).
        let dense = match (kept_dense, went_dense) {
            (Some(mut d), other) => {
                if let Some(other) = other {
                    self.dense_bytes
                        .fetch_sub(dense_size(&other), Ordering::Relaxed);
                }
                scatter_add(&mut d, &gw, &gc);
                Some(d)
            }
            (None, Some(mut d)) => {
                scatter_add(&mut d, &kw, &kc);
                Some(d)
            }
            (None, None) => {
                let size = 4 * (self.dims.0 + self.dims.1);
                let wanted = words.0.len() + chars.0.len() >= self.dense_min_len;
                (wanted && reserve(&self.dense_bytes, size)).then(|| {
                    let mut d = (vec![0f32; self.dims.0], vec![0f32; self.dims.1]);
                    scatter_add(&mut d, &words, &chars);
                    d
                })
            }
        };
        self.sums[k] = Some(Box::new(Sums {
            words,
            chars,
            dense,
        }));
    }

    /// Each item's group root.
    pub fn roots(&mut self) -> Vec<u32> {
        (0..self.parent.len() as u32)
            .map(|x| self.find(x))
            .collect()
    }

    /// The sum vectors of a root's group; `None` for a single item (its sums are its vectors).
    pub fn sums(&self, root: u32) -> Option<(&SparseVec, &SparseVec)> {
        self.sums[root as usize]
            .as_ref()
            .map(|s| (&s.words, &s.chars))
    }
}

/// Dot products of two groups' sums. With a dense side, walk the other side's entries (the
/// shorter, if both are dense): the same products in the same order, so the same floats.
fn sums_dot(x: &Sums, y: &Sums) -> (f32, f32) {
    let x_walks = x.words.0.len() + x.chars.0.len() <= y.words.0.len() + y.chars.0.len();
    match (&x.dense, &y.dense) {
        (Some(_), Some((dw, dc))) if x_walks => (gather(dw, &x.words), gather(dc, &x.chars)),
        (Some((dw, dc)), _) => (gather(dw, &y.words), gather(dc, &y.chars)),
        (None, Some((dw, dc))) => (gather(dw, &x.words), gather(dc, &x.chars)),
        (None, None) => (x.words.dot(&y.words), x.chars.dot(&y.chars)),
    }
}

/// `dense · sparse`, summed in the sparse vector's id order over the ids both have: the same
/// products in the same order as [`SparseVec::dot`], so the same float.
fn gather(dense: &[f32], sparse: &SparseVec) -> f32 {
    let mut sum = 0f32;
    for &(id, w) in &sparse.0 {
        let d = dense[id as usize];
        sum = if d != 0.0 { sum + d * w } else { sum };
    }
    sum
}

/// A root's own sums: its group's, or for a single item, its vectors unpacked.
fn own_sums<'s>(
    sums: &'s Option<Box<Sums>>,
    words: &PackedVectors,
    chars: &PackedVectors,
    root: usize,
) -> (Cow<'s, SparseVec>, Cow<'s, SparseVec>) {
    match sums {
        Some(s) => (Cow::Borrowed(&s.words), Cow::Borrowed(&s.chars)),
        None => (
            Cow::Owned(words.vector(root)),
            Cow::Owned(chars.vector(root)),
        ),
    }
}

/// Adds a group's word and character sums into arrays laid out by feature id.
pub(super) fn scatter_add(dense: &mut (Vec<f32>, Vec<f32>), words: &SparseVec, chars: &SparseVec) {
    for &(id, w) in &words.0 {
        dense.0[id as usize] += w;
    }
    for &(id, w) in &chars.0 {
        dense.1[id as usize] += w;
    }
}

/// Which of `n` items go to the second grouping of [`Groups::link_apart`]: the parts that
/// `edges` and the `frozen` units connect, largest first (by edges), each to the side with fewer
/// edges so far.
fn second_side<'e>(
    n: usize,
    frozen: &[Vec<u32>],
    edges: impl Iterator<Item = &'e Edge>,
) -> Vec<bool> {
    let mut parts = DisjointSets::new(n);
    // Each edge counted at one end, then the counts summed by part: one pass over the edges.
    let mut weight = vec![0u64; n];
    let pairs = edges
        .map(|e| {
            weight[e.a as usize] += 1;
            (e.a, e.b)
        })
        .chain(
            frozen
                .iter()
                .flat_map(|u| u.windows(2).map(|w| (w[0], w[1]))),
        );
    for (a, b) in pairs {
        parts.join(a as usize, b as usize);
    }
    for i in 0..n {
        let r = parts.root(i);
        if r != i {
            weight[r] += std::mem::take(&mut weight[i]);
        }
    }
    let mut roots: Vec<usize> = (0..n).filter(|&i| weight[i] > 0).collect();
    roots.sort_unstable_by(|&a, &b| weight[b].cmp(&weight[a]).then(a.cmp(&b)));
    let mut on_second = vec![false; n];
    let (mut first, mut second) = (0u64, 0u64);
    for r in roots {
        if first <= second {
            first += weight[r];
        } else {
            second += weight[r];
            on_second[r] = true;
        }
    }
    (0..n).map(|i| on_second[parts.root(i)]).collect()
}

/// Takes `size` bytes of the dense sums' budget, if that many are left.
fn reserve(used: &AtomicUsize, size: usize) -> bool {
    used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
        (u + size <= DENSE_BUDGET).then_some(u + size)
    })
    .is_ok()
}

fn dense_size(d: &(Vec<f32>, Vec<f32>)) -> usize {
    4 * (d.0.len() + d.1.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed vectors of documents given as feature lists.
    fn fit(docs: &[Vec<u32>]) -> PackedVectors {
        PackedVectors::fit(docs.len(), |i, buf: &mut Vec<u32>| buf.extend(&docs[i])).0
    }

    /// The word vectors of items `0..n` from `features(i)`, and their character vectors from
    /// `features(i + shift)` (alike, not the same).
    fn fit_words_and_chars(
        n: u32,
        features: impl Fn(u32) -> Vec<u32>,
        shift: u32,
    ) -> (PackedVectors, PackedVectors) {
        let words = fit(&(0..n).map(&features).collect::<Vec<_>>());
        let chars = fit(&(0..n).map(|i| features(i + shift)).collect::<Vec<_>>());
        (words, chars)
    }

    /// A, B, C in a row: A~B and B~C at cosine 0.707, A and C at 0.
    fn three_in_a_row() -> PackedVectors {
        fit(&[vec![0], vec![0, 1], vec![1]])
    }

    /// Links A–B and B–C (edges with their similarities) at `threshold`; returns the group roots.
    fn roots_after_linking(threshold: f32) -> Vec<u32> {
        let words = three_in_a_row();
        let space = Space {
            words: &words,
            chars: &words,
            word_weight: 1.0,
        };
        let (ab, bc) = (space.sim(0, 1), space.sim(1, 2));
        let mut edges = vec![
            Edge {
                a: 0,
                b: 1,
                sim: ab,
            },
            Edge {
                a: 1,
                b: 2,
                sim: bc,
            },
        ];
        sort_edges(&mut edges);
        let mut g = Groups::new(&space);
        g.link(&edges, threshold, 1.0, |_| true);
        g.roots()
    }

    #[test]
    fn dense_sums_decide_exactly_as_sparse_ones() {
        // 60 items in overlapping clusters; all pairs as edges, so groups grow and meet.
        let features = |i: u32| -> Vec<u32> {
            (0..12)
                .flat_map(|k| {
                    let id = (i / 6) * 5 + k * (1 + i % 3);
                    std::iter::repeat_n(id, 1 + ((i * 7 + k) % 5) as usize)
                })
                .collect()
        };
        let (words, chars) = fit_words_and_chars(60, features, 3);
        let space = Space {
            words: &words,
            chars: &chars,
            word_weight: 0.6,
        };
        let mut edges = Vec::new();
        for a in 0..60 {
            for b in a + 1..60 {
                edges.push(Edge {
                    a,
                    b,
                    sim: space.sim(a as usize, b as usize),
                });
            }
        }
        sort_edges(&mut edges);
        let run = |dense_min_len: usize| {
            let mut g = Groups::new(&space);
            g.dense_min_len = dense_min_len;
            g.link(&edges, 0.3, 0.6, |e| e.a % 2 == e.b % 2);
            g.link(&edges, 0.2, 0.6, |_| true);
            let roots = g.roots();
            let sums: Vec<Option<(SparseVec, SparseVec)>> = roots
                .iter()
                .map(|&r| g.sums(r).map(|(w, c)| (w.clone(), c.clone())))
                .collect();
            let dense_groups = g
                .sums
                .iter()
                .flatten()
                .filter(|s| s.dense.is_some())
                .count();
            (roots, sums, dense_groups)
        };
        let (sparse, dense) = (run(usize::MAX), run(0));
        assert_eq!(sparse.2, 0);
        assert!(dense.2 > 0, "some groups went dense");
        assert!(
            sparse.0.iter().any(|&r| r != sparse.0[0]),
            "more than one group"
        );
        assert_eq!(sparse.0, dense.0, "same groups");
        assert_eq!(sparse.1, dense.1, "same sums, to the bit");
    }

    #[test]
    fn linking_apart_gives_the_groups_of_linking_in_one() {
        // Eight clusters of ten; edges within each, two more joining clusters 0 and 1, and a
        // frozen unit across clusters 2 and 3.
        let features = |i: u32| -> Vec<u32> {
            let c = i / 10;
            (0..10)
                .map(|k| c * 20 + (k * (1 + i % 4) + i % 3) % 14)
                .collect()
        };
        let (words, chars) = fit_words_and_chars(80, features, 1);
        let space = Space {
            words: &words,
            chars: &chars,
            word_weight: 0.6,
        };
        let mut edges = Vec::new();
        for a in 0..80u32 {
            for b in a + 1..80 {
                if a / 10 == b / 10 || (a, b) == (3, 14) || (a, b) == (5, 17) {
                    let sim = space.sim(a as usize, b as usize).max(0.25);
                    edges.push(Edge { a, b, sim });
                }
            }
        }
        sort_edges(&mut edges);
        let frozen = vec![vec![21, 22, 35], vec![60, 61]];
        let same = |e: &Edge| e.a % 2 == e.b % 2;
        let all = |_: &Edge| true;
        let passes = [
            Pass {
                threshold: 0.3,
                allowed: &same,
            },
            Pass {
                threshold: 0.2,
                allowed: &all,
            },
        ];
        let mut one = Groups::new(&space);
        for unit in &frozen {
            one.freeze(unit);
        }
        for p in &passes {
            one.link(&edges, p.threshold, 0.6, p.allowed);
        }
        let mut apart = Groups::link_apart(&space, &frozen, &edges, &passes, 0.6);
        let outcome = |g: &mut Groups| {
            let roots = g.roots();
            let sums: Vec<_> = roots
                .iter()
                .map(|&r| g.sums(r).map(|(w, c)| (w.clone(), c.clone())))
                .collect();
            let frozen: Vec<bool> = roots.iter().map(|&r| g.frozen[r as usize]).collect();
            (roots, sums, frozen)
        };
        let (one, apart) = (outcome(&mut one), outcome(&mut apart));
        let groups = one
            .0
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert!((8..80).contains(&groups), "{groups} groups");
        assert_eq!(one, apart, "same groups, sums and frozen units");
        // The parts were dealt to both sides, each whole: 0–1 and 2–3 stay together.
        let usable: Vec<&Edge> = edges.iter().filter(|e| e.sim >= 0.2).collect();
        let second = second_side(80, &frozen, usable.iter().copied());
        assert!(second.iter().any(|&s| s) && second.iter().any(|&s| !s));
        for (a, b) in [(0, 19), (20, 39), (40, 49), (70, 79)] {
            assert!(
                (a..=b).all(|i| second[i] == second[a]),
                "{a}..{b} on one side"
            );
        }
    }

    #[test]
    fn parts_go_whole_to_the_side_with_fewer_edges() {
        let edge = |a, b| Edge { a, b, sim: 1.0 };
        let edges = [edge(0, 1), edge(1, 2), edge(3, 4)];
        let (f, t) = (false, true);
        assert_eq!(second_side(6, &[], edges.iter()), [f, f, f, t, t, f]);
        // A frozen unit makes one part of two.
        assert_eq!(second_side(6, &[vec![1, 3]], edges.iter()), [f; 6]);
        assert_eq!(second_side(0, &[], [].iter()), Vec::<bool>::new());
    }

    #[test]
    fn average_link_of_huge_groups_does_not_overflow() {
        let words = three_in_a_row();
        let space = Space {
            words: &words,
            chars: &words,
            word_weight: 1.0,
        };
        let mut g = Groups::new(&space);
        // Sizes as two groups of 70,000 and 100,000 would have: 7e9 pairs, beyond u32.
        g.size[0] = 70_000;
        g.size[1] = 100_000;
        let avg = g.average_link(0, 1, 1.0);
        let expected = space.sim(0, 1) / 7.0e9;
        assert!(avg.is_finite() && avg > 0.0, "{avg}");
        assert!(
            (avg - expected).abs() <= expected * 1e-6,
            "{avg} vs {expected}"
        );
    }

    #[test]
    fn frozen_units_take_items_but_never_join_each_other() {
        // Items 0,1 and 2,3 are two frozen units; 4 is like both; all pairs are edges.
        let words = fit(&[vec![0], vec![0], vec![0], vec![0], vec![0]]);
        let space = Space {
            words: &words,
            chars: &words,
            word_weight: 1.0,
        };
        let mut edges = Vec::new();
        for a in 0..5u32 {
            for b in a + 1..5 {
                edges.push(Edge { a, b, sim: 1.0 });
            }
        }
        sort_edges(&mut edges);
        let mut g = Groups::new(&space);
        g.freeze(&[0, 1]);
        g.freeze(&[2, 3]);
        g.link(&edges, 0.5, 1.0, |_| true);
        let r = g.roots();
        assert_eq!(r[0], r[1]);
        assert_eq!(r[2], r[3]);
        assert_ne!(r[0], r[2], "two frozen units stay apart");
        assert!(
            r[4] == r[0] || r[4] == r[2],
            "the free item joins one of them"
        );
    }

    #[test]
    fn no_chaining_through_a_middle_item() {
        // A~B and B~C are close, A and C are not: C must not join A's group.
        let r = roots_after_linking(0.6);
        assert_eq!(r[0], r[1]);
        assert_ne!(r[1], r[2]);
    }

    #[test]
    fn single_linkage_would_have_chained() {
        let r = roots_after_linking(0.3);
        assert!(
            r[0] == r[1] && r[1] == r[2],
            "a low threshold joins all three"
        );
    }
}
