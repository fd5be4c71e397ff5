//! `groups.json`: every merge group with the evidence for it — each member's similarity to the
//! representative and the terms it shares with it — for `qingdan groups --explain` and for keeping
//! group ids stable when the workspace is rebuilt.

use serde::{Deserialize, Serialize};

use crate::pipeline::Analysis;

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
            let rep = &analysis.items[g.representative];
            let mut enterprises: Vec<&str> = g
                .members
                .iter()
                .map(|&m| analysis.items[m].enterprise.as_str())
                .collect();
            enterprises.sort_unstable();
            enterprises.dedup();
            let members = g
                .members
                .iter()
                .zip(&g.similarity)
                .map(|(&m, &similarity)| {
                    let a = &analysis.items[m];
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
                id: g.id.clone(),
                size: g.members.len(),
                enterprises: enterprises.len(),
                topic: rep.main_topic().to_string(),
                representative: rep.item.id.clone(),
                score: g.score(),
                shared_terms: g.shared_terms.clone(),
                members,
            }
        })
        .collect()
}
