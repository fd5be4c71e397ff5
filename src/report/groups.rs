//! `groups.json`: every merge group with the evidence for it — each member's similarity to the
//! representative and the terms it shares with it — for `qingdan groups --explain` and for keeping
//! group ids stable when the workspace is rebuilt.

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

/// The records of every group, in group-id order.
pub fn group_records(analysis: &Analysis) -> Vec<GroupRecord> {
    analysis
        .groups
        .iter()
        .map(|g| {
            let members: Vec<&AnalyzedItem> =
                g.members.iter().map(|&m| &analysis.items[m]).collect();
            let representative = &analysis.items[g.representative].item.id;
            group_record(
                &g.id,
                g.score(),
                &g.shared_terms,
                representative,
                &members,
                &g.similarity,
            )
        })
        .collect()
}

/// One group's record: `members` in id order with their similarity to the representative
/// (`similarity`, same order), the representative named by its item id.
pub fn group_record(
    id: &str,
    score: f32,
    shared_terms: &[String],
    representative: &str,
    members: &[&AnalyzedItem],
    similarity: &[f32],
) -> GroupRecord {
    let rep = members
        .iter()
        .find(|a| a.item.id == representative)
        .copied()
        .unwrap_or(members[0]);
    let mut enterprises: Vec<&str> = members.iter().map(|a| a.enterprise.as_str()).collect();
    enterprises.sort_unstable();
    enterprises.dedup();
    let records = members
        .iter()
        .zip(similarity)
        .map(|(a, &similarity)| {
            let mut shared: Vec<String> = Vec::new();
            for t in &a.terms {
                if t.chars().count() >= 2 && rep.terms.contains(t) && !shared.contains(t) {
                    shared.push(t.clone());
                }
            }
            shared.truncate(SHARED_SHOWN);
            GroupMember {
                id: a.item.id.clone(),
                enterprise: a.enterprise.clone(),
                date: a.item.date.map(|d| d.to_string()).unwrap_or_default(),
                channel: a.channel.clone(),
                similarity,
                shared_with_representative: shared,
                text: a.text.clone(),
            }
        })
        .collect();
    GroupRecord {
        id: id.to_string(),
        size: members.len(),
        enterprises: enterprises.len(),
        topic: rep.main_topic().to_string(),
        representative: rep.item.id.clone(),
        score,
        shared_terms: shared_terms.to_vec(),
        members: records,
    }
}
