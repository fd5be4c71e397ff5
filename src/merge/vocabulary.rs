//! Term ids for the merge: each distinct term is stored once and items carry `u32` ids, so a
//! million items' terms take four bytes each instead of a string each.

use crate::vectors::FxMap;

/// Terms by id, and ids by term. Ids are given in the order terms are first interned.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    names: Vec<Box<str>>,
    ids: FxMap<Box<str>, u32>,
}

impl Vocabulary {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `term`, given a new one if it is not known yet.
    pub fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct terms");
        self.names.push(term.into());
        self.ids.insert(term.into(), id);
        id
    }

    /// The id of a known term.
    pub fn get(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    /// The term of an id.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Each id's place among all terms in string order: the merge numbers its word features in
    /// that order, so vectors (and sums of floats over them) do not depend on interning order.
    pub(crate) fn name_ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once_and_ranks_by_name() {
        let mut v = Vocabulary::new();
        let ids: Vec<u32> = ["融资", "贷款", "融资", "用地"]
            .iter()
            .map(|t| v.intern(t))
            .collect();
        assert_eq!(ids, vec![0, 1, 0, 2]);
        assert_eq!(v.name(1), "贷款");
        assert_eq!(v.get("用地"), Some(2));
        assert_eq!(v.len(), 3);
        // 用地 < 融资 < 贷款 in string order
        assert_eq!(v.name_ranks(), vec![1, 2, 0]);
    }
}
