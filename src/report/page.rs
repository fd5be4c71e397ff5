//! How much of each list the pages show. `report.html` and `report.md` are for reading and
//! printing, so at any size they stay small enough to open: the top of each list, and a line
//! saying where the rest is. The CSV and JSON exports always hold the whole lists.

/// Common problems shown (the most enterprises first).
pub const COMMON_SHOWN: usize = 200;
/// Enterprises shown (the most items first).
pub const ENTERPRISES_SHOWN: usize = 200;
/// Problems shown in one enterprise's list.
pub const PROBLEMS_SHOWN: usize = 50;
/// Enterprises named in one common problem's row.
pub const NAMES_SHOWN: usize = 30;
/// Rejected rows shown.
pub const REJECTS_SHOWN: usize = 200;

/// "…等N家" when a list of names is cut.
pub fn names(list: &[String]) -> String {
    if list.len() <= NAMES_SHOWN {
        list.join("、")
    } else {
        format!("{}等{}家", list[..NAMES_SHOWN].join("、"), list.len())
    }
}

/// The line under a cut list, or `None` when all of it is shown.
pub fn cut_note(total: usize, shown: usize, unit: &str, file: &str) -> Option<String> {
    (total > shown)
        .then(|| format!("共{total}{unit}，这里列出前{shown}{unit}；完整清单见 {file}。"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_with_a_note() {
        let many: Vec<String> = (0..40).map(|i| format!("企业{i}")).collect();
        assert!(names(&many).ends_with("企业29等40家"));
        assert_eq!(names(&many[..2]), "企业0、企业1");
        assert_eq!(cut_note(10, 10, "个", "x.csv"), None);
        assert_eq!(
            cut_note(300, 200, "个", "common_problems.csv").unwrap(),
            "共300个，这里列出前200个；完整清单见 common_problems.csv。"
        );
    }
}

#[cfg(test)]
mod pages {
    use super::*;
    use crate::record::{Reject, SourceRef};
    use crate::report::{
        render_markdown, render_overview, CommonProblem, EnterpriseList, Lists, ProblemLine,
        Summary,
    };

    fn big_lists() -> Lists<'static> {
        let names: Vec<String> = (0..40).map(|i| format!("企业{i:03}")).collect();
        let common = (0..250)
            .map(|i| CommonProblem {
                rank: i + 1,
                group: format!("G-{i:04}"),
                title: String::new(),
                problem: format!("共性问题第{i}号"),
                topic: "金融信贷".into(),
                enterprise_count: names.len(),
                count: names.len(),
                enterprises: names.clone(),
                channels: vec![],
                first: None,
                last: None,
                score: 0.5,
                shared_terms: vec![],
                items: vec![],
            })
            .collect();
        let line = |n: usize| ProblemLine {
            group: format!("G-{n:04}"),
            problem: format!("本企业问题第{n}号").into(),
            topic: "金融信贷".into(),
            count: 1,
            channels: vec![],
            first: None,
            last: None,
            items: vec![],
            other_enterprises: 0,
        };
        let enterprises = (0..230)
            .map(|i| EnterpriseList {
                enterprise: format!("企业{i:03}"),
                regions: vec![],
                item_count: 60,
                problems: (0..60).map(line).collect(),
            })
            .collect();
        Lists {
            enterprises,
            common,
        }
    }

    fn summary() -> Summary {
        Summary {
            rows_add_up: true,
            items: 13_800,
            enterprises: 230,
            groups: 250,
            merged_groups: 250,
            items_in_merged_groups: 13_800,
            common_problems: 250,
            ..Summary::default()
        }
    }

    #[test]
    fn pages_show_the_top_of_each_list_and_say_where_the_rest_is() {
        let lists = big_lists();
        let rejects: Vec<Reject> = (0..300)
            .map(|i| Reject {
                source: SourceRef {
                    file: "a.csv".into(),
                    row: i + 2,
                },
                field: "意见建议".into(),
                reason: "内容为空".into(),
                content: String::new(),
            })
            .collect();
        let html = render_overview(&summary(), &lists, &rejects);
        assert_eq!(html.matches("<tr data-group=").count(), COMMON_SHOWN);
        assert_eq!(
            html.matches("<details data-enterprise=").count(),
            ENTERPRISES_SHOWN
        );
        assert_eq!(
            html.matches("本企业问题第").count(),
            ENTERPRISES_SHOWN * PROBLEMS_SHOWN
        );
        assert!(html.contains("共250个，这里列出前200个；完整清单见 common_problems.csv。"));
        assert!(html.contains("共230家企业，这里列出前200家企业；完整清单见 enterprises.csv。"));
        assert!(html.contains("共60个问题，这里列出前50个问题"));
        assert!(html.contains("企业029等40家"));
        assert!(html.contains("共300行，这里列出前200行"));
        let md = render_markdown(&summary(), &lists, &rejects);
        assert_eq!(md.matches("\n### 企业").count(), ENTERPRISES_SHOWN);
        assert!(md.contains("共250个，这里列出前200个"));
        assert!(md.contains("| 共性问题第199号 |") && !md.contains("| 共性问题第200号 |"));
    }
}
