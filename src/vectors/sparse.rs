//! Sparse vectors: (feature id, weight) pairs sorted by id, with a dot product and a sum that
//! add their products in id order, so the same vectors always give the same float. TF-IDF vectors
//! ([`super::TfIdf`]), the topic classifier's features, the clusters' SVD input and the merge's
//! group sums are all of this kind.

/// A sparse, L2-normalised vector: (term id, weight), sorted by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec(pub Vec<(u32, f32)>);

impl SparseVec {
    /// Dot product by merge-join (both sorted by id). When one vector is much longer (a large
    /// group's sum against one item), each entry of the short one is looked up in the long one
    /// by galloping instead. Either way the products are summed in id order, so the result is
    /// the same to the bit.
    pub fn dot(&self, other: &SparseVec) -> f32 {
        let (a, b) = (&self.0, &other.0);
        if a.len() > GALLOP_RATIO * b.len() {
            return gallop_dot(b, a);
        }
        if b.len() > GALLOP_RATIO * a.len() {
            return gallop_dot(a, b);
        }
        let (mut i, mut j, mut sum) = (0, 0, 0f32);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// `self + other`, as used for a group's sum vector.
    pub fn add(&self, other: &SparseVec) -> SparseVec {
        let (a, b) = (&self.0, &other.0);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if j == b.len() || (i < a.len() && a[i].0 < b[j].0) {
                out.push(a[i]);
                i += 1;
            } else if i == a.len() || b[j].0 < a[i].0 {
                out.push(b[j]);
                j += 1;
            } else {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
        SparseVec(out)
    }
}

/// Above this length ratio [`SparseVec::dot`] gallops through the longer vector.
const GALLOP_RATIO: usize = 8;

/// `short · long` by looking each of `short`'s ids up in `long` (exponential, then binary search
/// from the last match), summing the products in id order as the merge-join does.
fn gallop_dot(short: &[(u32, f32)], long: &[(u32, f32)]) -> f32 {
    let (mut from, mut sum) = (0, 0f32);
    for &(id, w) in short {
        let rest = &long[from..];
        let mut end = 1;
        while end < rest.len() && rest[end - 1].0 < id {
            end *= 2;
        }
        let end = end.min(rest.len());
        let k = rest[..end].partition_point(|e| e.0 < id);
        from += k;
        if from == long.len() {
            break;
        }
        if long[from].0 == id {
            sum += w * long[from].1;
            from += 1;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galloping_dot_is_the_merge_join_dot() {
        let merge_join = |a: &SparseVec, b: &SparseVec| {
            let (mut i, mut j, mut sum) = (0, 0, 0f32);
            while i < a.0.len() && j < b.0.len() {
                match a.0[i].0.cmp(&b.0[j].0) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        sum += a.0[i].1 * b.0[j].1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            sum
        };
        let long = SparseVec(
            (0..500)
                .map(|i| (i * 3, 1.0 / (1 + i % 7) as f32))
                .collect(),
        );
        for step in [1, 2, 5, 29, 97] {
            let short = SparseVec((0..20).map(|i| (i * step, 0.3 + i as f32 * 0.01)).collect());
            assert!(long.0.len() > GALLOP_RATIO * short.0.len());
            let expected = merge_join(&short, &long);
            assert_eq!(short.dot(&long).to_bits(), expected.to_bits());
            assert_eq!(long.dot(&short).to_bits(), expected.to_bits());
        }
    }

    #[test]
    fn add_merges_sorted() {
        let a = SparseVec(vec![(1, 1.0), (3, 1.0)]);
        let b = SparseVec(vec![(2, 2.0), (3, 2.0)]);
        assert_eq!(a.add(&b), SparseVec(vec![(1, 1.0), (2, 2.0), (3, 3.0)]));
    }
}
