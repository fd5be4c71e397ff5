//! Disjoint sets (union-find) over `0..n`: which items a list of joins connects. The lower root
//! stays root, so a set's root is its smallest member and the result does not depend on the
//! order of the joins.

pub struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    /// `n` sets of one item each.
    pub fn new(n: usize) -> Self {
        DisjointSets {
            parent: (0..n).collect(),
        }
    }

    /// The root of `x`'s set, halving the path on the way.
    pub fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Puts `a` and `b` in one set.
    pub fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        self.parent[ra.max(rb)] = ra.min(rb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_connect_and_the_smallest_member_is_root() {
        let mut sets = DisjointSets::new(6);
        sets.join(4, 2);
        sets.join(5, 4);
        sets.join(1, 0);
        let roots: Vec<usize> = (0..6).map(|x| sets.root(x)).collect();
        assert_eq!(roots, [0, 0, 2, 3, 2, 2]);
    }
}
