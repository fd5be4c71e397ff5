//! Grouping without chaining: candidate edges are taken from the most similar down, and two groups
//! join only if the AVERAGE similarity between all their members clears the threshold (average
//! linkage). With unit vectors that average is the dot product of the groups' sum vectors divided
//! by the product of their sizes, so the check costs one sparse dot product, not |A|·|B|.

use rayon::prelude::*;

use super::vectors::{FxMap, SparseVec};

/// One candidate edge between items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub sim: f32,
}

/// The two vector spaces an item lives in, and how they are weighted.
pub struct Space<'a> {
    pub words: &'a [SparseVec],
    pub chars: &'a [SparseVec],
    pub word_weight: f32,
}

impl Space<'_> {
    pub fn sim(&self, a: usize, b: usize) -> f32 {
        self.word_weight * self.words[a].dot(&self.words[b])
            + (1.0 - self.word_weight) * self.chars[a].dot(&self.chars[b])
    }
}

/// Union-find over items; the root of each group of two or more keeps the group's sum vectors
/// (a single item's sums are its own vectors, read from the space, not copied).
pub struct Groups<'a> {
    parent: Vec<u32>,
    size: Vec<u32>,
    words: &'a [SparseVec],
    chars: &'a [SparseVec],
    /// Word and character sum vectors, by root, for groups of two or more.
    sums: Vec<Option<Box<(SparseVec, SparseVec)>>>,
}

impl<'a> Groups<'a> {
    pub fn new(space: &Space<'a>) -> Self {
        let n = space.words.len();
        Groups {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
            words: space.words,
            chars: space.chars,
            sums: (0..n).map(|_| None).collect(),
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
        let pairs = (self.size[a] * self.size[b]) as f32;
        let ((wa, ca), (wb, cb)) = (self.sums(ra), self.sums(rb));
        (word_weight * wa.dot(wb) + (1.0 - word_weight) * ca.dot(cb)) / pairs
    }

    /// Takes edges from the most similar down; joins two groups when their average link is at
    /// least `threshold`. `allowed` limits which edges this pass may use.
    pub fn link(
        &mut self,
        edges: &[Edge],
        threshold: f32,
        word_weight: f32,
        allowed: impl Fn(&Edge) -> bool,
    ) {
        // Edges by value, not by reference: the sort compares neighbours in memory instead of
        // chasing pointers. (sim, a, b) is unique, so the unstable sort gives the one order.
        let mut order: Vec<Edge> = edges
            .iter()
            .filter(|e| e.sim >= threshold && allowed(e))
            .copied()
            .collect();
        order
            .par_sort_unstable_by(|x, y| y.sim.total_cmp(&x.sim).then((x.a, x.b).cmp(&(y.a, y.b))));
        // Two groups that failed the check fail it again until one of them grows: a root's size
        // says whether its group changed. Many edges join the same two groups, so this saves
        // most of the sum-vector dot products without changing any decision.
        let mut rejected: FxMap<(u32, u32), (u32, u32)> = FxMap::default();
        for e in order {
            let (ra, rb) = (self.find(e.a), self.find(e.b));
            if ra == rb {
                continue;
            }
            let pair = (ra.min(rb), ra.max(rb));
            let sizes = (self.size[pair.0 as usize], self.size[pair.1 as usize]);
            if rejected.get(&pair) == Some(&sizes) {
                continue;
            }
            if self.average_link(ra, rb, word_weight) < threshold {
                rejected.insert(pair, sizes);
                continue;
            }
            self.union(ra, rb);
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
        let ((kw, kc), (gw, gc)) = (self.sums(keep), self.sums(gone));
        let joined = Box::new((kw.add(gw), kc.add(gc)));
        self.sums[g] = None;
        self.sums[k] = Some(joined);
    }

    /// Each item's group root.
    pub fn roots(&mut self) -> Vec<u32> {
        (0..self.parent.len() as u32)
            .map(|x| self.find(x))
            .collect()
    }

    /// The sum vectors of a root's group.
    pub fn sums(&self, root: u32) -> (&SparseVec, &SparseVec) {
        match &self.sums[root as usize] {
            Some(sums) => (&sums.0, &sums.1),
            None => (&self.words[root as usize], &self.chars[root as usize]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A, B, C in a row: A~B and B~C at cosine 0.707, A and C at 0.
    fn three_in_a_row() -> Vec<SparseVec> {
        let s = std::f32::consts::FRAC_1_SQRT_2;
        vec![
            SparseVec(vec![(0, 1.0)]),
            SparseVec(vec![(0, s), (1, s)]),
            SparseVec(vec![(1, 1.0)]),
        ]
    }

    /// Links A–B and B–C with the given similarities at `threshold`; returns the group roots.
    fn roots_after_linking(sims: Option<(f32, f32)>, threshold: f32) -> Vec<u32> {
        let words = three_in_a_row();
        let space = Space {
            words: &words,
            chars: &words,
            word_weight: 1.0,
        };
        let (ab, bc) = sims.unwrap_or((space.sim(0, 1), space.sim(1, 2)));
        let edges = vec![
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
        let mut g = Groups::new(&space);
        g.link(&edges, threshold, 1.0, |_| true);
        g.roots()
    }

    #[test]
    fn no_chaining_through_a_middle_item() {
        // A~B and B~C are close, A and C are not: C must not join A's group.
        let r = roots_after_linking(None, 0.6);
        assert_eq!(r[0], r[1]);
        assert_ne!(r[1], r[2]);
    }

    #[test]
    fn single_linkage_would_have_chained() {
        let r = roots_after_linking(Some((0.707, 0.707)), 0.3);
        assert!(
            r[0] == r[1] && r[1] == r[2],
            "a low threshold joins all three"
        );
    }
}
