//! `groups.json` and `qingdan groups --explain`: every merge group with the evidence for it —
//! each member's similarity to the representative and the terms it shares with it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::pipeline::{Analysis, AnalyzedItem};

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
        .map(|g| {
            let members: Vec<MemberInput> = g
                .members
                .iter()
                .zip(&g.similarity)
                .map(|(&m, &s)| MemberInput::of(&analysis.items[m], s))
                .collect();
            let representative = &analysis.items[g.representative].item.id;
            group_record(&g.id, g.score(), &g.shared_terms, representative, &members)
        })
        .collect()
}

/// One group's record: `members` in id order, the representative named by its item id.
pub fn group_record(
    id: &str,
    score: f32,
    shared_terms: &[String],
    representative: &str,
    members: &[MemberInput],
) -> GroupRecord {
    let rep = members
        .iter()
        .find(|m| m.id == representative)
        .unwrap_or(&members[0]);
    let rep_terms: HashSet<&str> = rep.terms.iter().copied().collect();
    let mut enterprises: Vec<&str> = members.iter().map(|m| m.enterprise).collect();
    enterprises.sort_unstable();
    enterprises.dedup();
    let records = members
        .iter()
        .map(|m| {
            let mut shared: Vec<String> = Vec::new();
            for &t in &m.terms {
                if shared.len() == SHARED_SHOWN {
                    break;
                }
                if t.chars().count() >= 2 && rep_terms.contains(t) && !shared.iter().any(|s| s == t)
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
        topic: rep.topic.to_string(),
        representative: rep.id.to_string(),
        score,
        shared_terms: shared_terms.to_vec(),
        members: records,
    }
}
