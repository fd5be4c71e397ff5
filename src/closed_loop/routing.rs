//! Which department should handle an item: the three most likely units from the item's topic and
//! words, using the shipped, editable responsibility list (职责清单) and the workspace's own past
//! assignments.
//!
//! The duty list scores a unit by the item's topic (主责 2, 协办 1) and the unit's keywords found
//! in the item's terms (1 each). Past assignments vote by their nearest neighbours (cosine of
//! IDF-weighted terms); the more past assignments there are, the more their vote weighs, so a
//! workspace's own practice takes over from the generic list once it has enough history.
//!
//! Unit names are compared by [`unit_key`]: region prefixes (A市, 湖州市, 吴兴区 …) are stripped,
//! so 湖州市自然资源和规划局 and 自然资源和规划局 are the same unit; aliases in the list (住建局,
//! 城管局 …) map to the list's name.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

const DUTIES: &str = include_str!("../../dicts/duties.toml");

/// How past assignments vote.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RouterParams {
    /// Nearest past assignments that vote for their unit.
    pub neighbours: usize,
    /// Past assignments at which their vote weighs as much as the duty list's; with many more
    /// they dominate.
    pub past_half_weight: f32,
}

impl Default for RouterParams {
    fn default() -> Self {
        RouterParams {
            neighbours: 15,
            past_half_weight: 30.0,
        }
    }
}
/// Most suggestions asked for at once.
pub const MAX_SUGGESTIONS: usize = 20;

/// One unit of the responsibility list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Topics the unit leads (主责).
    #[serde(default)]
    pub primary: Vec<String>,
    /// Topics the unit helps with (协办).
    #[serde(default)]
    pub secondary: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DutyFile {
    #[serde(default)]
    department: Vec<Department>,
}

/// The responsibility list (职责清单), in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyList {
    pub departments: Vec<Department>,
    /// Every name and alias, by [`unit_key`], to its department.
    keys: HashMap<String, usize>,
}

impl DutyList {
    /// The list shipped inside the binary (`dicts/duties.toml`).
    pub fn shipped() -> Result<Self> {
        Self::parse(DUTIES, "duties.toml")
    }

    /// `duties.toml` from a dictionary folder (`--dicts DIR`) when it has one, else the shipped
    /// list.
    pub fn load(dir: Option<&std::path::Path>) -> Result<Self> {
        let Some(path) = dir.map(|d| d.join("duties.toml")).filter(|p| p.exists()) else {
            return Self::shipped();
        };
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Reads a list; `name` names the file in errors, which also name the entry at fault.
    pub fn parse(text: &str, name: &str) -> Result<Self> {
        let bad = |reason: String| Error::Taxonomy {
            file: name.to_string(),
            reason,
        };
        let file: DutyFile =
            toml::from_str(text).map_err(|e| bad(format!("不是有效的职责清单: {e}")))?;
        if file.department.is_empty() {
            return Err(bad("没有任何 [[department]]".into()));
        }
        let mut keys: HashMap<String, usize> = HashMap::new();
        for (i, d) in file.department.iter().enumerate() {
            let entry = format!("第{}个单位（{}）", i + 1, d.name.trim());
            if d.name.trim().is_empty() {
                return Err(bad(format!("第{}个单位没有名称（name）", i + 1)));
            }
            let words = d.keywords.iter().chain(&d.primary).chain(&d.secondary);
            for w in words.chain(&d.aliases) {
                if w.trim().is_empty() || w.chars().any(char::is_whitespace) {
                    return Err(bad(format!("{entry}：“{w}”为空或含空格")));
                }
            }
            if let Some(k) = d.keywords.iter().find(|k| k.chars().count() < 2) {
                return Err(bad(format!("{entry}：关键词“{k}”至少两个字")));
            }
            for n in std::iter::once(&d.name).chain(&d.aliases) {
                let key = unit_key(n);
                if key.is_empty() {
                    return Err(bad(format!("{entry}：“{n}”去掉地名前缀后为空")));
                }
                if let Some(&j) = keys.get(&key) {
                    if j != i {
                        return Err(bad(format!(
                            "{entry}：“{n}”与第{}个单位（{}）重复",
                            j + 1,
                            file.department[j].name
                        )));
                    }
                }
                keys.insert(key, i);
            }
        }
        Ok(DutyList {
            departments: file.department,
            keys,
        })
    }

    /// The list's name for a unit written any way (with a region prefix, an alias); `None` when
    /// the list does not know it.
    pub fn resolve(&self, unit: &str) -> Option<&str> {
        self.keys
            .get(&unit_key(unit))
            .map(|&i| self.departments[i].name.as_str())
    }

    /// How a unit is identified: the list's name when it knows the unit, else its [`unit_key`].
    pub fn canonical(&self, unit: &str) -> String {
        self.resolve(unit)
            .map(str::to_string)
            .unwrap_or_else(|| unit_key(unit))
    }

    /// The list's units named in a text (names and aliases, longest match first, region prefixes
    /// allowed), as the list names them, in order of first mention, each once.
    pub fn units_in(&self, text: &str) -> Vec<String> {
        let mut found: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, department)
        for (key, &d) in &self.keys {
            for (start, m) in text.match_indices(key.as_str()) {
                found.push((start, start + m.len(), d));
            }
        }
        // Leftmost, then longest: 住房和城乡建设局 wins over the 建设局 inside it.
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut out: Vec<String> = Vec::new();
        let mut end = 0;
        for (s, e, d) in found {
            if s < end {
                continue;
            }
            end = e;
            let name = &self.departments[d].name;
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }
}

/// The units of the shipped responsibility list named in a reply (e.g. "A市住房和城乡建设局" →
/// 住房和城乡建设局), in order of first mention. "我局" and units the list does not know are not
/// found.
pub fn units_in_reply(text: &str) -> Vec<String> {
    static SHIPPED: OnceLock<Option<DutyList>> = OnceLock::new();
    match SHIPPED.get_or_init(|| DutyList::shipped().ok()) {
        Some(list) => list.units_in(text),
        None => Vec::new(),
    }
}

/// Characters that end a region's name in a unit's prefix.
const REGION_ENDS: [char; 8] = ['省', '市', '区', '县', '州', '盟', '旗', '镇'];
/// Words that start with a region character but are part of a unit's own name (市场监督管理局,
/// 市政公用局, 区域…), so the character is not a prefix there.
const NOT_PREFIXES: [&str; 12] = [
    "市场", "市政", "市容", "区域", "县域", "市民", "城市", "都市", "社区", "园区", "小区", "景区",
];

/// A unit's name without region prefixes and spaces: 湖州市吴兴区自然资源和规划局 →
/// 自然资源和规划局, A市A2区教育局 → 教育局, 市教育局 → 教育局.
pub fn unit_key(name: &str) -> String {
    let mut rest: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    loop {
        let chars: Vec<char> = rest.chars().collect();
        // A region is up to 6 characters ending in 省/市/区/县…; take the shortest that leaves a
        // name behind, so 长沙市开福区 strips in two steps.
        let mut cut = None;
        for (i, c) in chars.iter().enumerate().take(7) {
            if !REGION_ENDS.contains(c) || i + 2 >= chars.len() {
                continue;
            }
            let word: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let before: String = chars[i.saturating_sub(1)..=i].iter().collect();
            if NOT_PREFIXES.contains(&word.as_str()) || NOT_PREFIXES.contains(&before.as_str()) {
                break;
            }
            // Only letters, digits and Chinese characters make a region's name.
            if chars[..i].iter().any(|c| !c.is_alphanumeric()) {
                break;
            }
            cut = Some(i + 1);
            break;
        }
        match cut {
            Some(n) => rest = chars[n..].iter().collect(),
            None => return rest,
        }
    }
}

/// A unit an item was assigned to in the past, with the item's main topic and terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PastAssignment {
    pub topic: String,
    pub terms: Vec<String>,
    pub unit: String,
}

/// A suggested unit, its score (higher is likelier; comparable within one call) and why, in
/// Chinese.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub unit: String,
    pub score: f32,
    pub why: String,
}

/// Suggests units for items from a responsibility list and past assignments.
#[derive(Debug, Clone)]
pub struct Router {
    duties: DutyList,
    /// Past assignments: canonical unit, and unit-length IDF-weighted term vector.
    past: Vec<(String, Vec<(u32, f32)>)>,
    /// Term → id, for past terms only (a term never seen in the past cannot match one).
    vocabulary: HashMap<String, u32>,
    idf: Vec<f32>,
    /// Term id → past assignments holding it.
    postings: Vec<Vec<u32>>,
    params: RouterParams,
}

impl Router {
    /// A router with the default [`RouterParams`].
    pub fn new(duties: DutyList, past: &[PastAssignment]) -> Self {
        Self::with_params(duties, past, RouterParams::default())
    }

    pub fn with_params(duties: DutyList, past: &[PastAssignment], params: RouterParams) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut ids: Vec<Vec<u32>> = Vec::with_capacity(past.len());
        for p in past {
            let mut seen: Vec<u32> = Vec::new();
            for t in &p.terms {
                let next = vocabulary.len() as u32;
                let id = *vocabulary.entry(t.clone()).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                if !seen.contains(&id) {
                    seen.push(id);
                    df[id as usize] += 1;
                }
            }
            ids.push(seen);
        }
        let n = past.len() as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| ((n + 1.0) / (d as f32 + 1.0)).ln() + 1.0)
            .collect();
        let mut postings = vec![Vec::new(); idf.len()];
        let mut vectors = Vec::with_capacity(past.len());
        for (i, (p, terms)) in past.iter().zip(ids).enumerate() {
            let mut v: Vec<(u32, f32)> = terms.iter().map(|&t| (t, idf[t as usize])).collect();
            normalize(&mut v);
            for &t in &terms {
                postings[t as usize].push(i as u32);
            }
            vectors.push((duties.canonical(&p.unit), v));
        }
        Router {
            duties,
            past: vectors,
            vocabulary,
            idf,
            postings,
            params,
        }
    }

    /// Past assignments known.
    pub fn past_len(&self) -> usize {
        self.past.len()
    }

    /// The `k` likeliest units for an item (none when `k` is 0 or nothing points anywhere; at
    /// most [`MAX_SUGGESTIONS`]), best first; ties in name order.
    pub fn suggest(&self, topic: &str, terms: &[String], k: usize) -> Vec<Suggestion> {
        let k = k.min(MAX_SUGGESTIONS);
        if k == 0 {
            return Vec::new();
        }
        // unit → (duty score, past score, duty reason, past count)
        let mut units: BTreeMap<String, (f32, f32, String, usize)> = BTreeMap::new();
        let duty = self.duty_scores(topic, terms);
        let top_duty = duty.iter().map(|d| d.1).fold(0.0f32, f32::max);
        for (name, s, why) in duty {
            if s > 0.0 {
                units.insert(name, (s / top_duty, 0.0, why, 0));
            }
        }
        let votes = self.past_votes(terms);
        let total: f32 = votes.values().map(|v| v.0).sum();
        if total > 0.0 {
            for (unit, (w, count)) in votes {
                let e = units.entry(unit).or_insert((0.0, 0.0, String::new(), 0));
                e.1 = w / total;
                e.3 = count;
            }
        }
        let n = self.past.len() as f32;
        let alpha = n / (n + self.params.past_half_weight.max(0.0));
        let mut out: Vec<Suggestion> = units
            .into_iter()
            .map(|(unit, (d, p, why, count))| {
                let mut reasons = Vec::new();
                if !why.is_empty() {
                    reasons.push(why);
                }
                if count > 0 {
                    reasons.push(format!("以往交办 {count} 次相似事项"));
                }
                Suggestion {
                    unit,
                    score: (1.0 - alpha) * d + alpha * p,
                    why: reasons.join("；"),
                }
            })
            .filter(|s| s.score > 0.0)
            .collect();
        // Stable sort on name-ordered input: equal scores stay in name order.
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(k);
        out
    }

    /// Each department's duty-list score and reason.
    fn duty_scores(&self, topic: &str, terms: &[String]) -> Vec<(String, f32, String)> {
        let terms: Vec<&str> = {
            let mut seen = HashSet::new();
            terms
                .iter()
                .map(String::as_str)
                .filter(|t| seen.insert(*t))
                .collect()
        };
        self.duties
            .departments
            .iter()
            .map(|d| {
                let mut score = 0.0;
                let mut parts = Vec::new();
                if d.primary.iter().any(|t| t == topic) {
                    score += 2.0;
                    parts.push(format!("职责清单：{topic}（主责）"));
                } else if d.secondary.iter().any(|t| t == topic) {
                    score += 1.0;
                    parts.push(format!("职责清单：{topic}（协办）"));
                }
                // A keyword counts when a term is it or contains it (用地 in 工业用地).
                let hits: Vec<&str> = d
                    .keywords
                    .iter()
                    .map(String::as_str)
                    .filter(|k| terms.iter().any(|t| t.contains(k)))
                    .collect();
                if !hits.is_empty() {
                    score += hits.len() as f32;
                    let shown: Vec<&str> = hits.iter().take(5).copied().collect();
                    parts.push(format!("关键词：{}", shown.join("、")));
                }
                (d.name.clone(), score, parts.join("；"))
            })
            .collect()
    }

    /// Units voted for by the nearest past assignments: summed similarity and neighbour count.
    fn past_votes(&self, terms: &[String]) -> BTreeMap<String, (f32, usize)> {
        let mut out = BTreeMap::new();
        if self.past.is_empty() {
            return out;
        }
        let mut q: Vec<(u32, f32)> = Vec::new();
        for t in terms {
            if let Some(&id) = self.vocabulary.get(t) {
                if !q.iter().any(|e| e.0 == id) {
                    q.push((id, self.idf[id as usize]));
                }
            }
        }
        normalize(&mut q);
        let mut sims: HashMap<u32, f32> = HashMap::new();
        for &(t, w) in &q {
            for &doc in &self.postings[t as usize] {
                let dw = self.past[doc as usize]
                    .1
                    .iter()
                    .find(|e| e.0 == t)
                    .map(|e| e.1)
                    .unwrap_or(0.0);
                *sims.entry(doc).or_default() += w * dw;
            }
        }
        let mut ranked: Vec<(u32, f32)> = sims.into_iter().filter(|s| s.1 > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (doc, s) in ranked.into_iter().take(self.params.neighbours.max(1)) {
            let e = out
                .entry(self.past[doc as usize].0.clone())
                .or_insert((0.0, 0));
            e.0 += s;
            e.1 += 1;
        }
        out
    }
}

fn normalize(v: &mut [(u32, f32)]) {
    let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        for e in v.iter_mut() {
            e.1 /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn keys_strip_regions_only() {
        assert_eq!(unit_key("湖州市自然资源和规划局"), "自然资源和规划局");
        assert_eq!(unit_key("湖州市吴兴区自然资源和规划局"), "自然资源和规划局");
        assert_eq!(unit_key("A市A2区教育局"), "教育局");
        assert_eq!(unit_key("A7县 教育局"), "教育局");
        assert_eq!(unit_key("市教育局"), "教育局");
        assert_eq!(unit_key("市场监督管理局"), "市场监督管理局");
        assert_eq!(unit_key("A市市场监督管理局"), "市场监督管理局");
        assert_eq!(unit_key("城市管理局"), "城市管理局");
        assert_eq!(unit_key("西地省A市城市管理局"), "城市管理局");
        assert_eq!(unit_key("市政公用局"), "市政公用局");
        assert_eq!(unit_key(""), "");
    }

    #[test]
    fn shipped_list_reads_and_resolves() {
        let list = DutyList::shipped().expect("shipped list");
        assert!(list.departments.len() >= 20);
        assert_eq!(list.resolve("A市住建局"), Some("住房和城乡建设局"));
        assert_eq!(
            list.resolve("湖州市自然资源和规划局"),
            Some("自然资源和规划局")
        );
        assert_eq!(list.resolve("县城管局"), Some("城市管理局"));
        assert_eq!(list.resolve("某某协会"), None);
        assert_eq!(list.canonical("A市某某协会"), "某某协会");
    }

    #[test]
    fn units_found_in_replies() {
        let text = "经调查，A市住房和城乡建设局已会同A2区城管局处理。感谢您的支持。A2区住建局";
        assert_eq!(units_in_reply(text), vec!["住房和城乡建设局", "城市管理局"]);
        assert!(units_in_reply("我局已经处理").is_empty());
    }

    #[test]
    fn bad_lists_name_file_and_entry() {
        let err = DutyList::parse("[[department]]\nname = \"\"\n", "my.toml").unwrap_err();
        assert!(err.to_string().contains("my.toml"));
        assert!(err.to_string().contains("第1个单位"));
        let dup = "[[department]]\nname = \"教育局\"\n[[department]]\nname = \"A市教育局\"\n";
        let err = DutyList::parse(dup, "d.toml").unwrap_err().to_string();
        assert!(err.contains("第2个单位") && err.contains("重复"), "{err}");
        assert!(DutyList::parse("not toml [", "x.toml").is_err());
        assert!(DutyList::parse("", "x.toml").is_err());
    }

    #[test]
    fn an_edited_list_replaces_the_shipped_one() {
        let dir = std::env::temp_dir().join(format!("qingdan-duties-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        assert_eq!(
            DutyList::load(Some(&dir)).expect("shipped"),
            DutyList::shipped().expect("shipped")
        );
        let text = "[[department]]\nname = \"乙局\"\nkeywords = [\"用地\"]\n\
                    [[department]]\nname = \"甲局\"\nkeywords = [\"用地\"]\n";
        std::fs::write(dir.join("duties.toml"), text).expect("write");
        let list = DutyList::load(Some(&dir)).expect("edited");
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(list.departments.len(), 2);
        // Equal scores come in name order, whatever the file's order.
        let s = Router::new(list, &[]).suggest("其他", &terms("用地"), 5);
        let units: Vec<&str> = s.iter().map(|s| s.unit.as_str()).collect();
        let mut sorted = units.clone();
        sorted.sort_unstable();
        assert_eq!(units, sorted);
        assert_eq!(s[0].score, s[1].score);
    }

    #[test]
    fn duty_list_alone_suggests_by_topic_and_keywords() {
        let router = Router::new(DutyList::shipped().expect("list"), &[]);
        let s = router.suggest("土地用地", &terms("工业 用地 指标 厂房"), 3);
        assert_eq!(s[0].unit, "自然资源和规划局");
        assert!(s[0].why.contains("土地用地") && s[0].why.contains("用地"));
        assert!(s.len() <= 3);
        assert!(router.suggest("土地用地", &terms("用地"), 0).is_empty());
        assert!(router.suggest("", &[], 3).is_empty());
        // Deterministic.
        assert_eq!(
            s,
            router.suggest("土地用地", &terms("工业 用地 指标 厂房"), 3)
        );
    }

    #[test]
    fn past_assignments_take_over() {
        let past: Vec<PastAssignment> = (0..60)
            .map(|i| PastAssignment {
                topic: "其他".into(),
                terms: terms(&format!("路灯 不亮 小区{i}")),
                unit: "A市城管局".into(),
            })
            .collect();
        let router = Router::new(DutyList::shipped().expect("list"), &past);
        let s = router.suggest("其他", &terms("路灯 不亮 很久"), 3);
        assert_eq!(s[0].unit, "城市管理局");
        assert!(s[0].why.contains("以往交办 15 次相似事项"), "{}", s[0].why);
    }
}
