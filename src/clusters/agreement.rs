//! Agreement between two partitions of the same items: adjusted Rand index (chance-corrected
//! pair counting) and normalised mutual information (arithmetic-mean normalisation, as
//! scikit-learn's default), for scoring clusters against gold merge groups.

use std::collections::HashMap;
use std::hash::Hash;

/// The contingency table of two labelings (same length): cell counts, row sums, column sums.
fn contingency<A: Eq + Hash, B: Eq + Hash>(
    a: &[A],
    b: &[B],
) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    assert_eq!(a.len(), b.len(), "both partitions label the same items");
    let mut ids_a: HashMap<&A, usize> = HashMap::new();
    let mut ids_b: HashMap<&B, usize> = HashMap::new();
    let mut cells: HashMap<(usize, usize), usize> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        let na = ids_a.len();
        let i = *ids_a.entry(x).or_insert(na);
        let nb = ids_b.len();
        let j = *ids_b.entry(y).or_insert(nb);
        *cells.entry((i, j)).or_default() += 1;
    }
    let mut rows = vec![0; ids_a.len()];
    let mut cols = vec![0; ids_b.len()];
    for (&(i, j), &c) in &cells {
        rows[i] += c;
        cols[j] += c;
    }
    (cells.into_values().collect(), rows, cols)
}

fn pairs(n: usize) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2.0
}

/// Adjusted Rand index: 1 for identical partitions, about 0 for independent ones (can be
/// negative). Two identical trivial partitions (all one class, or all singletons) score 1.
pub fn adjusted_rand_index<A: Eq + Hash, B: Eq + Hash>(a: &[A], b: &[B]) -> f64 {
    let (cells, rows, cols) = contingency(a, b);
    let index: f64 = cells.iter().map(|&c| pairs(c)).sum();
    let sum_rows: f64 = rows.iter().map(|&c| pairs(c)).sum();
    let sum_cols: f64 = cols.iter().map(|&c| pairs(c)).sum();
    let total = pairs(a.len());
    if total == 0.0 {
        return 1.0;
    }
    let expected = sum_rows * sum_cols / total;
    let max = (sum_rows + sum_cols) / 2.0;
    if max == expected {
        // Only when both partitions are the same trivial one.
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Normalised mutual information, MI / mean(H(a), H(b)), in 0..1. Two partitions with no
/// entropy (each a single class) score 1.
pub fn normalized_mutual_info<A: Eq + Hash, B: Eq + Hash>(a: &[A], b: &[B]) -> f64 {
    let (cells, rows, cols) = contingency(a, b);
    let n = a.len() as f64;
    if n == 0.0 {
        return 1.0;
    }
    let entropy = |sums: &[usize]| -> f64 {
        sums.iter()
            .map(|&c| c as f64 / n)
            .filter(|&p| p > 0.0)
            .map(|p| -p * p.ln())
            .sum()
    };
    let (h_a, h_b) = (entropy(&rows), entropy(&cols));
    if h_a == 0.0 && h_b == 0.0 {
        return 1.0;
    }
    // MI from the cells: Σ p_ij ln(p_ij / (p_i p_j)) = Σ p_ij ln p_ij + H(a) + H(b).
    let joint: f64 = cells
        .iter()
        .map(|&c| c as f64 / n)
        .map(|p| p * p.ln())
        .sum();
    let mi = (joint + h_a + h_b).max(0.0);
    (mi / ((h_a + h_b) / 2.0)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_partitions_score_one_whatever_the_names() {
        let a = [1, 1, 2, 2, 3];
        let b = ["x", "x", "y", "y", "z"];
        assert!((adjusted_rand_index(&a, &b) - 1.0).abs() < 1e-12);
        assert!((normalized_mutual_info(&a, &b) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn small_example_by_hand() {
        // gold a a a b b b, clusters x x y y z z.
        // Cells (a,x)=2 (a,y)=1 (b,y)=1 (b,z)=2: Σ C(n_ij,2) = 2.
        // Rows 3,3: Σ C = 6. Columns 2,2,2: Σ C = 3. C(6,2) = 15.
        // Expected = 6·3/15 = 1.2; max = (6+3)/2 = 4.5; ARI = (2-1.2)/(4.5-1.2) = 0.8/3.3.
        let gold = ["a", "a", "a", "b", "b", "b"];
        let got = ["x", "x", "y", "y", "z", "z"];
        assert!((adjusted_rand_index(&gold, &got) - 0.8 / 3.3).abs() < 1e-12);
        // H(gold) = ln 2, H(got) = ln 3, MI = 2·(1/3)·ln 2 (the (a,y), (b,y) cells add 0).
        let nmi = (2.0 / 3.0 * 2f64.ln()) / ((2f64.ln() + 3f64.ln()) / 2.0);
        assert!((normalized_mutual_info(&gold, &got) - nmi).abs() < 1e-12);
    }

    #[test]
    fn one_lump_against_two_classes() {
        // gold a a b b, clusters x x x y: Σ C(n_ij,2) = 1 (a,x); rows 2,2 → 2; columns 3,1 → 3;
        // expected 2·3/6 = 1, so the index is exactly what chance gives: ARI 0.
        let gold = ["a", "a", "b", "b"];
        let got = ["x", "x", "x", "y"];
        assert!(adjusted_rand_index(&gold, &got).abs() < 1e-12);
        // Everything in one cluster carries no information about the gold.
        assert!(normalized_mutual_info(&gold, &["x"; 4]).abs() < 1e-12);
    }
}
