//! Stable group ids: when a workspace is rebuilt (after `add`), a group keeps the id that most of
//! its members had before, so lists and notes that cite a group stay valid. New groups keep
//! their fresh id (`G-` and the smallest member id), made unique if an old group still uses it.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Group;

/// Renames `groups` after `previous` (item id → old group id); `item_ids[i]` is item i's id.
/// `reserved` are ids other groups keep (when only part of a workspace was merged again): no
/// group here takes one. Groups are re-sorted by id afterwards.
pub fn keep_previous_ids(
    groups: &mut [Group],
    item_ids: &[&str],
    previous: &HashMap<String, String>,
    reserved: &HashSet<String>,
) {
    if previous.is_empty() && reserved.is_empty() {
        return;
    }
    // Larger groups choose first: they hold the most evidence of who they were.
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| {
        groups[b]
            .members
            .len()
            .cmp(&groups[a].members.len())
            .then(groups[a].id.cmp(&groups[b].id))
    });
    let mut taken: HashSet<String> = reserved.clone();
    let mut chosen: Vec<Option<String>> = vec![None; groups.len()];
    for &g in &order {
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for &m in &groups[g].members {
            if let Some(old) = previous.get(item_ids[m]) {
                *votes.entry(old).or_default() += 1;
            }
        }
        let mut candidates: Vec<(&str, usize)> = votes.into_iter().collect();
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if let Some((old, _)) = candidates
            .into_iter()
            .find(|(old, _)| !taken.contains(*old))
        {
            taken.insert(old.to_string());
            chosen[g] = Some(old.to_string());
        }
    }
    let old_ids: HashSet<&String> = previous.values().collect();
    for (g, group) in groups.iter_mut().enumerate() {
        match chosen[g].take() {
            Some(id) => group.id = id,
            None => {
                let fresh = group.id.clone();
                let mut id = fresh.clone();
                let mut n = 2;
                while taken.contains(&id) || old_ids.contains(&id) {
                    id = format!("{fresh}~{n}");
                    n += 1;
                }
                taken.insert(id.clone());
                group.id = id;
            }
        }
    }
    groups.sort_by(|a, b| a.id.cmp(&b.id));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, members: Vec<usize>) -> Group {
        let n = members.len();
        Group {
            id: id.into(),
            representative: members[0],
            members,
            similarity: vec![1.0; n],
            shared_terms: vec![],
        }
    }

    #[test]
    fn groups_keep_their_old_ids_and_new_ones_do_not_collide() {
        let ids = ["A1", "A2", "A3", "N1", "B1"];
        let previous: HashMap<String, String> = [
            ("A1", "G-A1"),
            ("A2", "G-A1"),
            ("A3", "G-A3"),
            ("B1", "G-N1"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        // N1 (new, sorts first) joined A1's group; A3 alone; B1's old group was called G-N1.
        let mut groups = vec![
            group("G-N1", vec![3, 0, 1]),
            group("G-A3", vec![2]),
            group("G-B1", vec![4]),
        ];
        keep_previous_ids(&mut groups, &ids, &previous, &HashSet::new());
        let names: Vec<(&str, Vec<usize>)> = groups
            .iter()
            .map(|g| (g.id.as_str(), g.members.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("G-A1", vec![3, 0, 1]),
                ("G-A3", vec![2]),
                ("G-N1", vec![4])
            ]
        );
    }

    #[test]
    fn a_fresh_id_that_an_old_group_still_uses_gets_a_suffix() {
        let ids = ["X", "Y"];
        let previous: HashMap<String, String> = [("Y".to_string(), "G-X".to_string())].into();
        let mut groups = vec![group("G-X", vec![0]), group("G-Y", vec![1])];
        keep_previous_ids(&mut groups, &ids, &previous, &HashSet::new());
        let names: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(names, vec!["G-X", "G-X~2"]);
    }

    #[test]
    fn ids_kept_elsewhere_are_not_taken() {
        let ids = ["X", "Y"];
        let reserved: HashSet<String> = ["G-X".to_string()].into();
        let mut groups = vec![group("G-X", vec![0]), group("G-Y", vec![1])];
        keep_previous_ids(&mut groups, &ids, &HashMap::new(), &reserved);
        let names: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(names, vec!["G-X~2", "G-Y"]);
    }
}
