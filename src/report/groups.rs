//! `groups.json` and `qingdan groups --explain`: every merge group with the evidence for it —
//! each member's similarity to the representative and the terms it shares with it.

use serde::{Deserialize, Serialize};

use crate::merge::Group;
use crate::pipeline::{Analysis, AnalyzedItem};
use crate::vectors::FxSet;

/// A member of a group and why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    pub id: String,
    pub enterprise: String,
    pub date: String,
    pub channel: String,
    /// Similarity to the representative (1 for the representative itself).
    pub similarity: f32,
    /// Terms it shares with the representative.
    pub shared_with_representative: Vec<String>,
    pub text: String,
}

/// One merge group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub size: usize,
    pub enterprises: usize,
    pub topic: String,
    pub representative: String,
    /// Mean similarity of the members to the representative.
    pub score: f32,
    pub shared_terms: Vec<String>,
    pub members: Vec<GroupMember>,
}

const SHARED_SHOWN: usize = 8;

/// What a group's record needs of one member.
#[derive(Debug, Clone)]
pub struct MemberInput<'a> {
    pub id: &'a str,
    pub enterprise: &'a str,
    pub date: String,
    pub channel: &'a str,
    pub text: &'a str,
    /// Its terms (canonical, in text order).
    pub terms: Vec<&'a str>,
    /// Its main topic.
    pub topic: &'a str,
    /// Its similarity to the group's representative.
    pub similarity: f32,
}

impl<'a> MemberInput<'a> {
    pub fn of(a: &'a AnalyzedItem, similarity: f32) -> Self {
        MemberInput {
            id: &a.item.id,
            enterprise: &a.enterprise,
            date: a.item.date.map(|d| d.to_string()).unwrap_or_default(),
            channel: &a.channel,
            text: &a.text,
            terms: a.terms.iter().collect(),
            topic: a.main_topic(),
            similarity,
        }
    }
}

/// The records of every group, in group-id order.
pub fn group_records(analysis: &Analysis) -> Vec<GroupRecord> {
    analysis
        .groups
        .iter()
        .map(|g| record_of(analysis, g, g.score()))
        .collect()
}

/// One group's record from an analysis, with `score` as its score (a stored group's own, or
/// [`Group::score`]).
pub fn record_of(analysis: &Analysis, g: &Group, score: f32) -> GroupRecord {
    let members: Vec<MemberInput> = g
        .members
        .iter()
        .zip(&g.similarity)
        .map(|(&m, &s)| MemberInput::of(&analysis.items[m], s))
        .collect();
    let representative = &analysis.items[g.representative].item.id;
    group_record(&g.id, score, &g.shared_terms, representative, &members)
}

/// One group's record: `members` in id order, the representative named by its item id.
pub fn group_record(
    id: &str,
    score: f32,
    shared_terms: &[String],
    representative: &str,
    members: &[MemberInput],
) -> GroupRecord {
    // A group left without members (a damaged store) still gets its line, empty.
    let rep = members
        .iter()
        .find(|m| m.id == representative)
        .or(members.first());
    // Every term of the representative's own is in it: the set is made for the other members
    // only, and a group of one (most groups) needs none.
    let rep_terms: FxSet<&str> = match members.len() {
        0 | 1 => FxSet::default(),
        _ => rep.iter().flat_map(|r| r.terms.iter().copied()).collect(),
    };
    let mut enterprises: Vec<&str> = members.iter().map(|m| m.enterprise).collect();
    enterprises.sort_unstable();
    enterprises.dedup();
    let records = members
        .iter()
        .map(|m| {
            let is_rep = rep.is_some_and(|r| std::ptr::eq(r, m));
            let mut shared: Vec<String> = Vec::new();
            for &t in &m.terms {
                if shared.len() == SHARED_SHOWN {
                    break;
                }
                if t.chars().count() >= 2
                    && (is_rep || rep_terms.contains(t))
                    && !shared.iter().any(|s| s == t)
                {
                    shared.push(t.to_string());
                }
            }
            GroupMember {
                id: m.id.to_string(),
                enterprise: m.enterprise.to_string(),
                date: m.date.clone(),
                channel: m.channel.to_string(),
                similarity: m.similarity,
                shared_with_representative: shared,
                text: m.text.to_string(),
            }
        })
        .collect();
    GroupRecord {
        id: id.to_string(),
        size: members.len(),
        enterprises: enterprises.len(),
        topic: rep.map_or("", |r| r.topic).to_string(),
        representative: rep.map_or(representative, |r| r.id).to_string(),
        score,
        shared_terms: shared_terms.to_vec(),
        members: records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_without_members_gets_an_empty_record() {
        let record = group_record("G-1", 1.0, &["贷款".to_string()], "Q1", &[]);
        assert_eq!(record.id, "G-1");
        assert_eq!(record.representative, "Q1");
        assert_eq!((record.size, record.enterprises), (0, 0));
        assert_eq!(record.topic, "");
        assert!(record.members.is_empty());
    }

    fn member<'a>(id: &'a str, terms: &'a str) -> MemberInput<'a> {
        MemberInput {
            id,
            enterprise: "甲",
            date: String::new(),
            channel: "",
            text: "",
            terms: terms.split(' ').filter(|t| !t.is_empty()).collect(),
            topic: "融资",
            similarity: 0.5,
        }
    }

    /// Each member lists the terms of two or more characters it shares with the representative,
    /// first eight, each once; the representative (and a member alone) lists its own.
    #[test]
    fn members_list_the_terms_they_share_with_the_representative() {
        let shared = |record: &GroupRecord| -> Vec<Vec<String>> {
            record
                .members
                .iter()
                .map(|m| m.shared_with_representative.clone())
                .collect()
        };
        let alone = [member(
            "A",
            "贷款 贷款 难 融资 一 二三 四五 六七 八九 十一 十二 十三",
        )];
        let record = group_record("G-A", 1.0, &[], "A", &alone);
        assert_eq!(
            shared(&record),
            [["贷款", "融资", "二三", "四五", "六七", "八九", "十一", "十二"]]
        );
        let group = [
            member("A", "抵押 贷款 利率"),
            member("B", "贷款 贷款 担保 利率 难"),
            member("C", "用电 电价"),
        ];
        // B is the representative; A shares two of its terms, C none.
        let record = group_record("G-A", 0.5, &[], "B", &group);
        assert_eq!(record.representative, "B");
        assert_eq!(
            shared(&record),
            [vec!["贷款", "利率"], vec!["贷款", "担保", "利率"], vec![]]
        );
    }
}
