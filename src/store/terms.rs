//! Items' terms stored as numbers: `term_names` numbers every term the items have, and an
//! item's `terms` column holds its terms' numbers in text order, as LEB128 varints. At 100k
//! real-length items the terms took 100 MB as `\n`-joined text, a third of the database, and
//! writing them, committing, checkpointing and reading them back was about a second of a run.

use rusqlite::params;

use super::{Change, View};
use crate::segment::Terms;
use crate::vectors::{varint, FxMap, StrMap};
use crate::{Error, Result};

/// Appends `numbers` as varints: an item's stored terms.
pub fn encode(numbers: impl IntoIterator<Item = u32>, out: &mut Vec<u8>) {
    for n in numbers {
        varint::put(out, u64::from(n));
    }
}

/// The numbers in stored terms; `None` when they end inside a number or one exceeds `u32`.
fn decode(mut bytes: &[u8]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(bytes.len());
    while !bytes.is_empty() {
        out.push(u32::try_from(varint::try_read(&mut bytes)?).ok()?);
    }
    Some(out)
}

/// The names of term numbers: all of them (a read of every item) or those some rows use.
pub(super) enum TermNames {
    All(Vec<Box<str>>),
    Some(FxMap<u32, Box<str>>),
}

impl TermNames {
    fn name(&self, n: u32) -> Option<&str> {
        match self {
            TermNames::All(names) => names.get(n as usize).map(|s| &**s),
            TermNames::Some(names) => names.get(&n).map(|s| &**s),
        }
    }

    /// The terms stored as `bytes`; `None` when they are damaged or name an unknown number.
    pub(super) fn terms(&self, bytes: &[u8]) -> Option<Terms> {
        let numbers = decode(bytes)?;
        let mut len = numbers.len().saturating_sub(1);
        for &n in &numbers {
            len += self.name(n)?.len();
        }
        let mut terms = Terms::with_capacity(len);
        for &n in &numbers {
            terms.push(self.name(n)?);
        }
        Some(terms)
    }
}

/// Numbers terms for writing: the stored numbering, with the terms it did not have numbered
/// after them, to be written by [`Change::put_new_term_names`].
pub(super) struct TermNumbers {
    numbers: StrMap<u32>,
    new: Vec<(u32, Box<str>)>,
}

impl TermNumbers {
    /// Appends the numbers of `terms` to `out`, numbering the terms not yet known.
    pub(super) fn encode(&mut self, terms: &Terms, out: &mut Vec<u8>) {
        for t in terms.iter() {
            let n = match self.numbers.get(t) {
                Some(&n) => n,
                None => {
                    let n = u32::try_from(self.numbers.len()).expect("fewer than 2^32 terms");
                    self.numbers.insert(t, n);
                    self.new.push((n, t.into()));
                    n
                }
            };
            varint::put(out, u64::from(n));
        }
    }
}

impl View<'_> {
    fn damaged_names(&self, reason: &str) -> Error {
        Error::Workspace {
            path: self.path.to_path_buf(),
            reason: format!("数据库的词表（term_names）已损坏：{reason}"),
        }
    }

    /// Every term's name, by number.
    pub(super) fn all_term_names(&self) -> Result<TermNames> {
        self.term_names_in_order().map(TermNames::All)
    }

    /// Every term's name, term `i` at `i`; a gap in the numbering is damage.
    fn term_names_in_order(&self) -> Result<Vec<Box<str>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name FROM term_names ORDER BY id")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut names: Vec<Box<str>> = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = r.get(0).map_err(|e| self.err(e))?;
            if id != names.len() as i64 {
                return Err(self.damaged_names(&format!("缺少编号{}", names.len())));
            }
            names.push(r.get::<_, String>(1).map_err(|e| self.err(e))?.into());
        }
        Ok(names)
    }

    /// The names of the numbers that `stored` (items' stored terms) use.
    pub(super) fn term_names_of<'b>(
        &self,
        stored: impl Iterator<Item = &'b [u8]>,
    ) -> Result<TermNames> {
        let mut wanted: Vec<u32> = stored.filter_map(decode).flatten().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM term_names WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        let mut names = FxMap::default();
        for n in wanted {
            let name: Option<String> = stmt
                .query_row([n], |r| r.get(0))
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })
                .map_err(|e| self.err(e))?;
            if let Some(name) = name {
                names.insert(n, name.into_boxed_str());
            }
        }
        Ok(TermNames::Some(names))
    }
}

impl Change<'_> {
    /// Numbers the terms as `names` gives them (term `i` is `names[i]`), in place of any
    /// numbering before: a whole build, which writes every item again.
    pub fn replace_term_names<'b>(&self, names: impl Iterator<Item = &'b str>) -> Result<()> {
        self.conn()
            .execute_batch("DELETE FROM term_names")
            .map_err(|e| self.err(e))?;
        self.insert_term_names((0..).zip(names))
    }

    fn insert_term_names<'b>(&self, names: impl Iterator<Item = (u32, &'b str)>) -> Result<()> {
        let mut stmt = self
            .conn()
            .prepare_cached("INSERT INTO term_names (id, name) VALUES (?1, ?2)")
            .map_err(|e| self.err(e))?;
        for (id, name) in names {
            stmt.execute(params![id, name]).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The stored numbering, to number more terms by.
    pub(super) fn term_numbers(&self) -> Result<TermNumbers> {
        let numbers = self
            .view()
            .term_names_in_order()?
            .into_iter()
            .enumerate()
            .map(|(n, name)| (name, n as u32))
            .collect();
        Ok(TermNumbers {
            numbers,
            new: Vec::new(),
        })
    }

    /// Writes the names [`TermNumbers::encode`] numbered, and forgets them.
    pub(super) fn put_new_term_names(&self, numbers: &mut TermNumbers) -> Result<()> {
        self.insert_term_names(numbers.new.iter().map(|(id, name)| (*id, &**name)))?;
        numbers.new.clear();
        Ok(())
    }
}

/// Rewrites the terms of items stored as `\n`-joined text (before schema version 4) as
/// numbers, numbering them in workspace order. Part of the migration's transaction.
pub(super) fn number_text_terms(change: &Change) -> Result<()> {
    let stored: Vec<(i64, String)> = change
        .conn()
        .prepare("SELECT seq, terms FROM items WHERE typeof(terms) = 'text' ORDER BY seq")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| change.err(e))?;
    let mut numbers = change.term_numbers()?;
    let mut update = change
        .conn()
        .prepare("UPDATE items SET terms = ?2 WHERE seq = ?1")
        .map_err(|e| change.err(e))?;
    let mut bytes = Vec::new();
    for (seq, joined) in stored {
        bytes.clear();
        numbers.encode(&Terms::from_joined(joined), &mut bytes);
        update
            .execute(params![seq, bytes])
            .map_err(|e| change.err(e))?;
    }
    change.put_new_term_names(&mut numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_back_and_damage_is_found() {
        let mut out = Vec::new();
        encode([0, 1, 127, 128, 300_000, u32::MAX], &mut out);
        assert_eq!(decode(&out), Some(vec![0, 1, 127, 128, 300_000, u32::MAX]));
        assert_eq!(decode(&[]), Some(vec![]));
        // cut inside a number
        assert_eq!(decode(&out[..out.len() - 1]), None);
        // more than 32 bits
        assert_eq!(decode(&[0xff, 0xff, 0xff, 0xff, 0x7f]), None);
        assert_eq!(decode(&[0xff; 12]), None);
    }

    #[test]
    fn names_make_the_terms_and_an_unknown_number_is_damage() {
        let names = TermNames::All(vec!["贷款".into(), "抵押".into(), "银行".into()]);
        let mut out = Vec::new();
        encode([2, 0, 1, 0], &mut out);
        let terms = names.terms(&out).unwrap();
        assert_eq!(terms.joined(), "银行\n贷款\n抵押\n贷款");
        assert_eq!(terms.len(), 4);
        assert!(names.terms(&[]).unwrap().is_empty());
        out.clear();
        encode([3], &mut out);
        assert!(names.terms(&out).is_none());
    }
}
