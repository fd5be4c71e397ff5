//! The reply checks on a workspace: each current reply against its item — for a reply to a
//! common problem, against each member's own ask — with term weights from the workspace's own
//! items and replies, and the reply cut into words as the items were.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cases::CaseBook;
use super::BuiltWith;
use crate::closed_loop::reply_check::{check_reply, RelevanceModel, ReplyFlag, ReplyInput};
use crate::closed_loop::state::{fold, logs_by_item};
use crate::closed_loop::{Event, EventKind};
use crate::store::{Detail, View};
use crate::Result;

/// The flags of the current reply of each item in `only` (every replied item when `None`).
pub fn reply_flags(
    view: &View,
    events: &[Event],
    only: Option<&BTreeSet<String>>,
) -> Result<BTreeMap<String, Vec<ReplyFlag>>> {
    let mut logs = logs_by_item(events);
    logs.retain(|item, _| only.is_none_or(|o| o.contains(*item)));
    // The current reply of each matter, skipping histories that do not fold (reported elsewhere).
    let mut replies = Vec::new();
    for (item, log) in &logs {
        if let Ok(case) = fold(item, log) {
            if let Some(reply) = case.reply().cloned() {
                replies.push((item.to_string(), reply));
            }
        }
    }
    if replies.is_empty() {
        return Ok(BTreeMap::new());
    }
    let pipeline = BuiltWith::load(view)?.pipeline()?;
    let cut = |text: &str| pipeline.terms(&pipeline.prepare("", text)).to_vec();
    let reply_terms: HashMap<&str, Vec<String>> = replies
        .iter()
        .map(|(item, r)| (item.as_str(), cut(&r.text)))
        .collect();
    // Term weights from every item and reply of the workspace, counted as the items stream
    // by; only the replied items' own terms are kept.
    let mut model = RelevanceModel::new(reply_terms.values().map(Vec::as_slice));
    let mut item_terms: HashMap<String, Vec<String>> = HashMap::new();
    view.for_each_item_with(Detail::Merge, |row| {
        let terms = row.analyzed.terms.to_vec();
        model.add(&terms);
        if reply_terms.contains_key(row.analyzed.item.id.as_str()) {
            item_terms.insert(row.analyzed.item.id.clone(), terms);
        }
        Ok(())
    })?;
    // Replies written through a merge group: each member is checked against its own ask, and a
    // member the reply does not reach is 漏答 (the other members' particular words — company
    // names, amounts — are not asks a common answer must repeat).
    let through_group: BTreeSet<i64> = events
        .iter()
        .filter(|e| e.group.is_some() && matches!(e.kind, EventKind::Reply { .. }))
        .map(|e| e.seq)
        .collect();
    let empty: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    for (item, reply) in &replies {
        let flags = check_reply(&ReplyInput {
            model: &model,
            item_terms: item_terms.get(item).unwrap_or(&empty),
            members: &[],
            reply_text: &reply.text,
            reply_terms: reply_terms.get(item.as_str()).unwrap_or(&empty),
            outcome: Some(reply.outcome),
            replied: Some(reply.day),
            due: reply.due,
        });
        let flags: Vec<ReplyFlag> = flags
            .into_iter()
            .map(|f| match f {
                ReplyFlag::OffTopic { .. } if through_group.contains(&reply.seq) => {
                    ReplyFlag::MissesAsks {
                        items: vec![item.clone()],
                    }
                }
                other => other,
            })
            .collect();
        if !flags.is_empty() {
            out.insert(item.clone(), flags);
        }
    }
    Ok(out)
}

/// Puts each row's reply flags in place.
pub fn flag_replies(view: &View, book: &mut CaseBook) -> Result<()> {
    let mut flags = reply_flags(view, &book.events, None)?;
    for row in &mut book.rows {
        if let Some(f) = flags.remove(&row.case.item) {
            row.reply_flags = f;
        }
    }
    Ok(())
}
