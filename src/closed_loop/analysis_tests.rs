//! The analysis on a hand-checked fixture: 14 matters folded from their events, every figure of
//! March 2025 and February 2025 worked out by hand below, then the report and the exports.
//!
//! Units: A 市自然资源和规划局 and B 市市场监督管理局 (市级), C 吴兴区经济和信息化局 and
//! D 长兴县住房和城乡建设局 (区县). as_of = 2025-03-31 unless said.
//!
//! | 编号 | 主题 | 收集 | 交办时限 | 经过 |
//! |---|---|---|---|---|
//! | M01 | 土地用地 | 03-01 | 03-03 | 03-02 交办A(期限03-16)，签收，03-10 答复已解决，03-11 评价不满意(录错，撤销)，03-12 满意，03-13 办结 |
//! | M02 | 土地用地 | 03-02 | 03-04 | 03-05 交办A(03-19，交办晚)，03-25 答复部分解决(超期)，03-27 基本满意 |
//! | M03 | 金融信贷 | 03-01 | 03-03 | 03-03 交办B(03-17)，签收，未答复（督办，逾期10个工作日） |
//! | M04 | 金融信贷 | 02-20 | 02-22 | 02-21 交办B(03-07)，03-05 答复政策解释，03-06 不满意，03-07 重办(03-21)，03-20 答复已解决，03-24 满意 |
//! | M05 | 营商环境 | 03-03 | 03-05 | 03-04 交办A(03-18)，03-06 A退回，03-07 改派C(03-21)，03-14 答复已解决（答非所问） |
//! | M06 | 基础设施 | 2024-08-01 | 2024-08-03 | 2024-08-02 交办C，08-15 答复列入计划，08-20 长期跟踪，11-20、02-20 回访 |
//! | M07 | 基础设施 | 03-10 | 03-12 | 03-11 经合并组G1交办D(03-25，协办A)，03-20 答复已解决，03-22 满意，03-23 办结 |
//! | M08 | 基础设施 | 03-10 | 03-12 | 03-11 经G1交办D(03-25，协办A)，03-20 答复已解决，03-26 不满意 |
//! | M09 | 土地用地 | 02-03 | 02-05 | 02-04 交办A(02-18)，02-17 答复已解决，02-20 满意，02-21 办结 |
//! | M10 | 营商环境 | 02-10 | 02-12 | 02-13 交办C(02-27，交办晚)，02-26 延期至03-13，03-12 答复部分解决 |
//! | M11 | 人才招聘 | 03-28 | — | 未交办 |
//! | M12 | 金融信贷 | 03-25 | 03-27 | 03-26 交办B(04-09)，03-27 退回(录错，撤销) |
//! | M13 | 人才招聘 | 03-05 | 无 | 03-06 交办C(03-20)，签收，未答复（催办，逾期7个工作日） |
//! | M14 | 基础设施 | 2024-12-01 | 2024-12-03 | 2024-12-02 交办D(2024-12-16)，签收，12-15 延期至2025-04-30 |

use calamine::{Data, Reader, Xlsx};

use super::deadlines::Urgency;
use super::exports::{cases_csv, duban_sheet, jiaoban_sheet, lifecycle_csv, LIFECYCLE_COLUMNS};
use super::metrics::*;
use super::monthly::MonthlyReport;
use super::reply_check::ReplyFlag;
use super::state::{fold, Event, EventKind, Outcome, Rating};
use crate::date::Date;

const A: &str = "市自然资源和规划局";
const B: &str = "市市场监督管理局";
const C: &str = "吴兴区经济和信息化局";
const D: &str = "长兴县住房和城乡建设局";

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The log under construction: one number sequence over all matters, as the store keeps it.
#[derive(Default)]
struct Log {
    events: Vec<Event>,
}

impl Log {
    fn ev(&mut self, item: &str, day: &str, kind: EventKind) -> i64 {
        self.ev_in(item, None, day, kind)
    }

    fn ev_in(&mut self, item: &str, group: Option<&str>, day: &str, kind: EventKind) -> i64 {
        let seq = self.events.len() as i64 + 1;
        self.events.push(Event {
            seq,
            item: item.into(),
            group: group.map(str::to_string),
            day: d(day),
            recorded: format!("{day}T09:00:00Z"),
            actor: "分析员".into(),
            kind,
            note: String::new(),
            source: None,
        });
        seq
    }

    fn assign(&mut self, item: &str, day: &str, lead: &str, due: &str) {
        self.assign_in(item, None, day, lead, &[], due);
    }

    fn assign_in(
        &mut self,
        item: &str,
        group: Option<&str>,
        day: &str,
        lead: &str,
        co: &[&str],
        due: &str,
    ) {
        let kind = EventKind::Assign {
            lead: lead.into(),
            co: co.iter().map(|s| s.to_string()).collect(),
            due: d(due),
        };
        self.ev_in(item, group, day, kind);
    }

    fn reply(&mut self, item: &str, day: &str, unit: &str, outcome: Outcome) {
        let kind = EventKind::Reply {
            text: format!("{item}的答复"),
            unit: unit.into(),
            outcome,
        };
        self.ev(item, day, kind);
    }

    fn rate(&mut self, item: &str, day: &str, rating: Rating) -> i64 {
        self.ev(item, day, EventKind::Rate { rating })
    }

    fn undo(&mut self, item: &str, day: &str, target: i64) {
        let kind = EventKind::Undo {
            target,
            reason: "录错".into(),
        };
        self.ev(item, day, kind);
    }
}

struct Fixture {
    rows: Vec<CaseRow>,
    events: Vec<Event>,
}

#[allow(clippy::type_complexity)]
fn fixture() -> Fixture {
    use Outcome::*;
    use Rating::*;
    let mut l = Log::default();
    // M01: on time, solved, a wrong rating undone, closed.
    l.assign("M01", "2025-03-02", A, "2025-03-16");
    l.ev("M01", "2025-03-03", EventKind::Accept);
    l.reply("M01", "2025-03-10", A, Solved);
    let wrong = l.rate("M01", "2025-03-11", Unsatisfied);
    l.undo("M01", "2025-03-11", wrong);
    l.rate("M01", "2025-03-12", Satisfied);
    l.ev("M01", "2025-03-13", EventKind::Close);
    // M02: assigned late, answered late.
    l.assign("M02", "2025-03-05", A, "2025-03-19");
    l.reply("M02", "2025-03-25", A, Partly);
    l.rate("M02", "2025-03-27", Basic);
    // M03: unanswered past due.
    l.assign("M03", "2025-03-03", B, "2025-03-17");
    l.ev("M03", "2025-03-04", EventKind::Accept);
    // M04: reopened after 不满意.
    l.assign("M04", "2025-02-21", B, "2025-03-07");
    l.reply("M04", "2025-03-05", B, Explained);
    l.rate("M04", "2025-03-06", Unsatisfied);
    l.ev(
        "M04",
        "2025-03-07",
        EventKind::Reopen {
            due: d("2025-03-21"),
            reason: "企业不满意".into(),
        },
    );
    l.reply("M04", "2025-03-20", B, Solved);
    l.rate("M04", "2025-03-24", Satisfied);
    // M05: returned by A, reassigned to C.
    l.assign("M05", "2025-03-04", A, "2025-03-18");
    l.ev(
        "M05",
        "2025-03-06",
        EventKind::Return {
            reason: "非本单位职责".into(),
        },
    );
    l.assign("M05", "2025-03-07", C, "2025-03-21");
    l.reply("M05", "2025-03-14", C, Solved);
    // M06: a long matter since 2024.
    l.assign("M06", "2024-08-02", C, "2024-08-16");
    l.reply("M06", "2024-08-15", C, Planned);
    l.ev(
        "M06",
        "2024-08-20",
        EventKind::Track {
            reason: "列入明年计划".into(),
        },
    );
    l.ev("M06", "2024-11-20", EventKind::FollowUp);
    l.ev("M06", "2025-02-20", EventKind::FollowUp);
    // M07, M08: one common problem (G1) assigned and answered together.
    for item in ["M07", "M08"] {
        l.assign_in(item, Some("G1"), "2025-03-11", D, &[A], "2025-03-25");
        l.reply(item, "2025-03-20", D, Solved);
    }
    l.rate("M07", "2025-03-22", Satisfied);
    l.ev("M07", "2025-03-23", EventKind::Close);
    l.rate("M08", "2025-03-26", Unsatisfied);
    // M09: February, all on time.
    l.assign("M09", "2025-02-04", A, "2025-02-18");
    l.reply("M09", "2025-02-17", A, Solved);
    l.rate("M09", "2025-02-20", Satisfied);
    l.ev("M09", "2025-02-21", EventKind::Close);
    // M10: assigned late in February, extended, answered on time against the new date.
    l.assign("M10", "2025-02-13", C, "2025-02-27");
    l.ev(
        "M10",
        "2025-02-26",
        EventKind::Extend {
            due: d("2025-03-13"),
            reason: "需现场勘查".into(),
        },
    );
    l.reply("M10", "2025-03-12", C, Partly);
    // M12: a return entered by mistake and undone.
    l.assign("M12", "2025-03-26", B, "2025-04-09");
    let wrong = l.ev(
        "M12",
        "2025-03-27",
        EventKind::Return {
            reason: "误点".into(),
        },
    );
    l.undo("M12", "2025-03-27", wrong);
    // M13: no deadline for assigning; unanswered past due.
    l.assign("M13", "2025-03-06", C, "2025-03-20");
    l.ev("M13", "2025-03-07", EventKind::Accept);
    // M14: opened in December, extended to the end of April.
    l.assign("M14", "2024-12-02", D, "2024-12-16");
    l.ev("M14", "2024-12-03", EventKind::Accept);
    l.ev(
        "M14",
        "2024-12-15",
        EventKind::Extend {
            due: d("2025-04-30"),
            reason: "涉及规划调整".into(),
        },
    );

    let facts: [(&str, &str, &str, &str, Option<&str>); 14] = [
        (
            "M01",
            "用地审批慢",
            "土地用地",
            "2025-03-01",
            Some("2025-03-03"),
        ),
        (
            "M02",
            "厂房用地指标",
            "土地用地",
            "2025-03-02",
            Some("2025-03-04"),
        ),
        (
            "M03",
            "<script>alert(1)</script>贷款难",
            "金融信贷",
            "2025-03-01",
            Some("2025-03-03"),
        ),
        (
            "M04",
            "续贷手续繁",
            "金融信贷",
            "2025-02-20",
            Some("2025-02-22"),
        ),
        (
            "M05",
            "办事材料多",
            "营商环境",
            "2025-03-03",
            Some("2025-03-05"),
        ),
        (
            "M06",
            "园区道路",
            "基础设施",
            "2024-08-01",
            Some("2024-08-03"),
        ),
        (
            "M07",
            "园区断水",
            "基础设施",
            "2025-03-10",
            Some("2025-03-12"),
        ),
        (
            "M08",
            "园区停水",
            "基础设施",
            "2025-03-10",
            Some("2025-03-12"),
        ),
        (
            "M09",
            "土地证办理",
            "土地用地",
            "2025-02-03",
            Some("2025-02-05"),
        ),
        (
            "M10",
            "审批窗口少",
            "营商环境",
            "2025-02-10",
            Some("2025-02-12"),
        ),
        ("M11", "招工难", "人才招聘", "2025-03-28", None),
        (
            "M12",
            "担保费高",
            "金融信贷",
            "2025-03-25",
            Some("2025-03-27"),
        ),
        ("M13", "人才公寓", "人才招聘", "2025-03-05", None),
        (
            "M14",
            "污水管网",
            "基础设施",
            "2024-12-01",
            Some("2024-12-03"),
        ),
    ];
    let rows = facts
        .iter()
        .map(|(item, title, topic, collected, assign_due)| {
            let mine: Vec<Event> = l
                .events
                .iter()
                .filter(|e| e.item == *item)
                .cloned()
                .collect();
            let mut row = CaseRow::new(fold(item, &mine).unwrap());
            row.title = title.to_string();
            row.enterprise = format!("{item}企业");
            row.topic = topic.to_string();
            row.region = "湖州".into();
            row.collected = Some(d(collected));
            row.assign_due = assign_due.map(d);
            row
        })
        .collect::<Vec<_>>();
    let mut f = Fixture {
        rows,
        events: l.events,
    };
    // What the caller works out on 2025-03-31: urgency, days late, follow-ups and reply checks.
    let set = |f: &mut Fixture, item: &str, edit: &dyn Fn(&mut CaseRow)| {
        let row = f.rows.iter_mut().find(|r| r.case.item == item).unwrap();
        edit(row);
    };
    set(&mut f, "M03", &|r| {
        r.urgency = Some(Urgency::Supervise);
        r.working_days_late = Some(10);
    });
    set(&mut f, "M13", &|r| {
        r.urgency = Some(Urgency::Overdue);
        r.working_days_late = Some(7);
        r.enterprise = "=HYPERLINK(\"http://x\")".into();
    });
    set(&mut f, "M12", &|r| r.urgency = Some(Urgency::OnTrack));
    set(&mut f, "M14", &|r| r.urgency = Some(Urgency::OnTrack));
    set(&mut f, "M06", &|r| r.follow_up_due = Some(d("2025-05-21")));
    set(&mut f, "M02", &|r| {
        r.reply_flags = vec![ReplyFlag::Late { days: 6 }]
    });
    set(&mut f, "M05", &|r| {
        r.reply_flags = vec![ReplyFlag::OffTopic { relevance: 0.12 }]
    });
    f
}

fn march() -> Period {
    Period::month(2025, 3).unwrap()
}

const AS_OF: &str = "2025-03-31";

#[test]
fn the_fixture_folds_as_described() {
    let f = fixture();
    let case = |item: &str| &f.rows.iter().find(|r| r.case.item == item).unwrap().case;
    assert_eq!(case("M01").ratings.len(), 1, "the undone rating is gone");
    assert_eq!(case("M05").lead.as_deref(), Some(C));
    assert_eq!(case("M05").first_assigned, Some(d("2025-03-04")));
    assert_eq!(case("M12").returns, 0, "the undone return is gone");
    assert_eq!(case("M04").reopens, 1);
    assert_eq!(case("M10").replies[0].due, Some(d("2025-03-13")));
    assert_eq!(case("M11").first_assigned, None);
}

#[test]
fn march_figures_by_hand() {
    let f = fixture();
    let got = Figures::compute(&f.rows, &f.events, march(), d(AS_OF));
    let want = Figures {
        // First assigned in March: M01 M02 M03 M05 M07 M08 M12 M13 (M04 M09 M10 in February).
        assigned: 8,
        // M07 and M08 through G1: one common problem of two matters.
        common_groups: 1,
        common_items: 2,
        // With a deadline: all but M13; late: M02 (03-05 > 03-04). M05 counts once (first 03-04).
        assign_timely: Ratio::new(6, 7),
        assign_undated: 1,
        // Cycles due in March: M01 ✓, M02 ✗ (03-25 > 03-19), M03 ✗ (unanswered, due 03-17),
        // M04 twice ✓ ✓ (03-05 ≤ 03-07, 03-20 ≤ 03-21), M05 ✓ (due 03-21 after reassignment),
        // M07 ✓, M08 ✓, M10 ✓ (03-12 ≤ extended 03-13), M13 ✗ (unanswered, due 03-20).
        // M12 is due in April.
        reply_on_time: Ratio::new(7, 10),
        // Of the 8: replied M01 M02 M05 M07 M08.
        reply_rate: Ratio::new(5, 8),
        // Of the 8: closed M01 M07.
        close_rate: Ratio::new(2, 8),
        // Replied in March: M01 M02 M04 M05 M07 M08 M10; 已解决: M01 M04 (latest) M05 M07 M08.
        solve_rate: Ratio::new(5, 7),
        // Ratings in March: M01 满意 (the undone 不满意 left out), M02 基本满意, M04 不满意 and
        // 满意, M07 满意, M08 不满意: 4 of 6.
        satisfaction: Ratio::new(4, 6),
        // Of the 7 replied, rated after their latest March reply: M01 M02 M04 M07 M08.
        rating_coverage: Ratio::new(5, 7),
        // First replies in March: M01 8, M02 20, M04 12 (02-21→03-05), M05 7 (from the
        // reassignment 03-07), M07 9, M08 9, M10 27 (02-13→03-12): 7 8 9 9 12 20 27 → 9.
        median_days_to_reply: Some(9.0),
        replies_timed: 7,
        // Reopened in March: M04. Rated in March: M01 M02 M04 M07 M08.
        reopen_rate: Ratio::new(1, 5),
        // 交办 in March: M01 M02 M03 M05×2 M07 M08 M12 M13 = 9; returns: M05 (M12's undone).
        return_rate: Ratio::new(1, 9),
        // Open on 03-31: M02 26d, M03 28d, M05 27d, M08 20d, M11 3d (collected), M12 5d, M13 25d;
        // M04 38d, M10 46d; M14 119d; M06 241d. Closed: M01 M07 M09.
        ageing: Ageing {
            within_4_weeks: 7,
            weeks_4_to_8: 2,
            weeks_8_to_26: 1,
            over_6_months: 1,
            undated: 0,
        },
    };
    assert_eq!(got, want);
    assert_eq!(got.ageing.open(), 11);
    assert_eq!(got.ageing.over_8_weeks(), 2);
    assert_eq!(got.reply_on_time.text(), "70%（7/10）");
    assert_eq!(got.satisfaction.text(), "66.7%（4/6）");
    assert_eq!(got.median_text(), "9天");
}

#[test]
fn february_figures_by_hand_at_its_own_end() {
    let f = fixture();
    let feb = Period::month(2025, 2).unwrap();
    // Run on 03-31, February is still taken at 02-28.
    let got = Figures::compute(&f.rows, &f.events, feb, d(AS_OF));
    let want = Figures {
        // M04 M09 M10.
        assigned: 3,
        // M10 late (02-13 > 02-12).
        assign_timely: Ratio::new(2, 3),
        // Due in February: only M09 (M10's 02-27 was extended before it passed).
        reply_on_time: Ratio::new(1, 1),
        // By 02-28 only M09 had replied and closed.
        reply_rate: Ratio::new(1, 3),
        close_rate: Ratio::new(1, 3),
        solve_rate: Ratio::new(1, 1),
        satisfaction: Ratio::new(1, 1),
        rating_coverage: Ratio::new(1, 1),
        // M09: 02-04 → 02-17.
        median_days_to_reply: Some(13.0),
        replies_timed: 1,
        reopen_rate: Ratio::new(0, 1),
        return_rate: Ratio::new(0, 3),
        // Open on 02-28: M04 7d, M10 15d; M14 88d; M06 210d. Matters collected in March do
        // not exist yet.
        ageing: Ageing {
            within_4_weeks: 2,
            weeks_4_to_8: 0,
            weeks_8_to_26: 1,
            over_6_months: 1,
            undated: 0,
        },
        ..Figures::default()
    };
    assert_eq!(got, want);
}

#[test]
fn mid_month_counts_only_what_happened() {
    let f = fixture();
    let got = Figures::compute(&f.rows, &f.events, march(), d("2025-03-15"));
    // First assigned 03-01..03-15: M01 M02 M03 M05 M07 M08 M13.
    assert_eq!(got.assigned, 7);
    // Counted by 03-15: M01 (replied 03-10, due 03-16), M04's first cycle, M05 (replied 03-14),
    // M10 (due 03-13): all on time. M03 (due 03-17) and M13 (03-20) are not due yet.
    assert_eq!(got.reply_on_time, Ratio::new(4, 4));
    // Ratings by 03-15: M01 满意 (03-12), M04 不满意 (03-06).
    assert_eq!(got.satisfaction, Ratio::new(1, 2));
}

#[test]
fn by_department_attributes_returns_to_the_returning_unit() {
    let f = fixture();
    let got = by_department(&f.rows, &f.events, march(), d(AS_OF));
    let keys: Vec<&str> = got.iter().map(|b| b.key.as_str()).collect();
    // All four assigned 2 in March; C has 4 matters, the others 3, then by name; M11 last.
    assert_eq!(keys, [C, B, A, D, UNASSIGNED]);
    let of = |k: &str| &got.iter().find(|b| b.key == k).unwrap().figures;
    // A: assigned M01 M02; its 交办 events M01 M02 M05(first), and M05's return is A's.
    assert_eq!(of(A).assigned, 2);
    assert_eq!(of(A).return_rate, Ratio::new(1, 3));
    assert_eq!(of(A).reply_on_time, Ratio::new(1, 2));
    // C: M05 (now C's, first assigned 03-04) and M13; 交办 events M05(reassigned) M13.
    assert_eq!(of(C).assigned, 2);
    assert_eq!(of(C).return_rate, Ratio::new(0, 2));
    // C's cycles: M05 ✓, M10 ✓, M13 ✗.
    assert_eq!(of(C).reply_on_time, Ratio::new(2, 3));
    // D: M07 M08 (co-unit A not counted), ratings 满意 and 不满意.
    assert_eq!(of(D).satisfaction, Ratio::new(1, 2));
    assert_eq!(of(UNASSIGNED).ageing.open(), 1);
}

#[test]
fn by_level_and_topic() {
    let f = fixture();
    let levels = by_level(&f.rows, &f.events, march(), d(AS_OF));
    let keys: Vec<&str> = levels.iter().map(|b| b.key.as_str()).collect();
    // 4 assigned each; 区县 has 7 matters (M05 M06 M07 M08 M10 M13 M14), 市级 6.
    assert_eq!(keys, ["区县", "市级"]);
    // 市级 ratings: M01 满意, M02 基本满意, M04 不满意 and 满意.
    assert_eq!(levels[1].figures.satisfaction, Ratio::new(3, 4));
    assert_eq!(levels[0].figures.satisfaction, Ratio::new(1, 2));
    // 市级 交办: M01 M02 M03 M05(A) M12; A's return of M05.
    assert_eq!(levels[1].figures.return_rate, Ratio::new(1, 5));
    assert_eq!(levels[0].figures.return_rate, Ratio::new(0, 4));

    let topics = by_topic(&f.rows, &f.events, march(), d(AS_OF));
    let keys: Vec<(&str, usize)> = topics
        .iter()
        .map(|b| (b.key.as_str(), b.figures.assigned))
        .collect();
    // 基础设施 M07 M08 (4 matters); 土地用地 M01 M02; 金融信贷 M03 M12; 人才招聘 M13; 营商环境 M05.
    assert_eq!(
        keys,
        [
            ("基础设施", 2),
            ("土地用地", 2),
            ("金融信贷", 2),
            ("人才招聘", 1),
            ("营商环境", 1)
        ]
    );
}

#[test]
fn month_series_matches_single_months() {
    let f = fixture();
    let series = by_month(&f.rows, &f.events, march(), 3, d(AS_OF));
    let months: Vec<String> = series.iter().map(|m| m.period.start.month_key()).collect();
    assert_eq!(months, ["2025-01", "2025-02", "2025-03"]);
    for m in &series {
        assert_eq!(
            m.figures,
            Figures::compute(&f.rows, &f.events, m.period, d(AS_OF))
        );
    }
    // January: nothing assigned, two long matters open (M06 182 days, M14 60 days at 01-31).
    assert_eq!(series[0].figures.assigned, 0);
    assert_eq!(series[0].figures.reply_on_time.text(), "—（0/0）");
    assert_eq!(series[0].figures.ageing.open(), 2);
}

#[test]
fn the_lead_paragraph() {
    let f = fixture();
    let report = MonthlyReport::build(&f.rows, &f.events, march(), d(AS_OF), 3);
    // Open and assigned by 03-31: M02 M03 M04 M05 M06 M08 M10 M12 M13 M14; overdue M03 (督办)
    // and M13 (催办).
    assert_eq!(
        report.lead(),
        "本月交办问题8个（其中共性问题1个），按时答复率70%（7/10），满意率66.7%（4/6），评价覆盖率71.4%（5/7）；截至月底累计仍未办结10个，其中逾期2个（含督办1个）。"
    );
    let mid = MonthlyReport::build(&f.rows, &f.events, march(), d("2025-03-15"), 3);
    assert!(mid.lead().contains("；截至3月15日累计仍未办结"));

    let topics: Vec<(&str, usize, usize, &str)> = report
        .topics
        .iter()
        .map(|t| (t.key.as_str(), t.this_month, t.last_month, t.change()))
        .collect();
    assert_eq!(
        topics,
        [
            ("人才招聘", 2, 0, "新出现"),
            ("基础设施", 2, 0, "新出现"),
            ("土地用地", 2, 1, "上升"),
            ("金融信贷", 2, 1, "上升"),
            ("营商环境", 1, 1, "持平"),
        ]
    );
    assert_eq!(report.new_groups.len(), 1);
    assert_eq!(
        (
            report.new_groups[0].key.as_str(),
            report.new_groups[0].this_month
        ),
        ("G1", 2)
    );
    let ids = |lines: &[super::monthly::MatterLine]| -> Vec<String> {
        lines.iter().map(|l| l.item.clone()).collect()
    };
    assert_eq!(ids(&report.overdue), ["M13"]);
    assert_eq!(ids(&report.supervise), ["M03"]);
    assert_eq!(report.supervise[0].calendar_days_late, Some(14));
    assert_eq!(ids(&report.follow_up), ["M06"]);
    let flagged: Vec<(&str, String)> = report
        .flagged
        .iter()
        .map(|r| (r.item.as_str(), r.flags.join("；")))
        .collect();
    assert_eq!(
        flagged,
        [
            ("M02", "超期答复（6天）".to_string()),
            ("M05", "答非所问（相关度0.12）".to_string())
        ]
    );
}

#[test]
fn markdown_compares_with_the_month_before() {
    let f = fixture();
    let md = MonthlyReport::build(&f.rows, &f.events, march(), d(AS_OF), 3).to_markdown();
    assert!(md.starts_with("# 2025年3月政企问题交办办理情况月报\n"));
    assert!(
        md.contains("| 按时答复率 | 70%（7/10） | 100%（1/1） | ↓ |"),
        "{md}"
    );
    assert!(md.contains("| 交办问题（个） | 8 | 3 | ↑ |"));
    assert!(md.contains("| 答复用时中位数 | 9天 | 13天 | ↓ |"));
    assert!(md.contains("| 重办率 | 20%（1/5） | 0%（0/1） | ↑ |"));
    assert!(md.contains("新出现：人才招聘、基础设施。上升：土地用地（1→2）、金融信贷（1→2）。"));
    assert!(md.contains("| ≤4周（≤28天） | 7 |"));
    assert!(md.contains("| 合计 | 11 |"));
    // A title with markup stays one table cell.
    assert!(md.contains("| M03 | M03企业 | <script>alert(1)</script>贷款难 |"));
}

#[test]
fn html_escapes_user_text_and_loads_nothing() {
    let f = fixture();
    let html = MonthlyReport::build(&f.rows, &f.events, march(), d(AS_OF), 3).to_html();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;贷款难"));
    assert!(!html.contains("<script>alert(1)"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains(" src=") && !html.contains("<link"));
    assert!(html.contains("按时答复率（7/10）"));
}

fn open_xlsx(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    Xlsx::new(std::io::Cursor::new(bytes)).unwrap()
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[test]
fn monthly_workbook_has_the_lead_and_the_lists() {
    let f = fixture();
    let report = MonthlyReport::build(&f.rows, &f.events, march(), d(AS_OF), 3);
    let mut book = open_xlsx(report.to_xlsx().unwrap());
    let names = book.sheet_names();
    assert_eq!(names[0], "概况");
    assert!(names.iter().any(|n| n == "督办") && names.iter().any(|n| n == "分单位"));
    let overview = book.worksheet_range("概况").unwrap();
    assert_eq!(cell(&overview, 0, 0), report.title);
    assert_eq!(cell(&overview, 2, 0), report.lead());
    let duban = book.worksheet_range("督办").unwrap();
    // Row 0 heading, row 1 header, row 2 M03.
    assert_eq!(cell(&duban, 1, 0), "编号");
    assert_eq!(cell(&duban, 2, 0), "M03");
    assert_eq!(cell(&duban, 2, 2), "<script>alert(1)</script>贷款难");
    assert_eq!(duban.get_value((2, 6)), Some(&Data::Float(14.0)));
    assert_eq!(duban.get_value((2, 7)), Some(&Data::Float(10.0)));
    let units = book.worksheet_range("分单位").unwrap();
    // Heading, header, then C first.
    assert_eq!(cell(&units, 1, 0), "承办单位");
    assert_eq!(cell(&units, 2, 0), C);
    assert_eq!(cell(&units, 2, 1), "区县");
}

#[test]
fn jiaoban_sheet_of_one_department() {
    let f = fixture();
    let mut book = open_xlsx(jiaoban_sheet(A, &f.rows, d(AS_OF)).unwrap());
    let sheet = book.worksheet_range("交办单").unwrap();
    assert_eq!(
        cell(&sheet, 0, 0),
        "市自然资源和规划局 交办单（截至 2025-03-31）"
    );
    let header: Vec<String> = (0..9).map(|c| cell(&sheet, 1, c)).collect();
    assert_eq!(
        header,
        [
            "编号",
            "企业",
            "问题",
            "主题",
            "合并组",
            "主办/协办",
            "交办日期",
            "答复期限",
            "状态"
        ]
    );
    // A leads M09 (due 02-18), M01 (03-16), M02 (03-19) and helps with M07, M08 (03-25); M05 was
    // returned and is C's now.
    let ids: Vec<String> = (2..7).map(|r| cell(&sheet, r, 0)).collect();
    assert_eq!(ids, ["M09", "M01", "M02", "M07", "M08"]);
    assert_eq!(cell(&sheet, 7, 0), "");
    assert_eq!(cell(&sheet, 5, 4), "G1");
    assert_eq!(cell(&sheet, 5, 5), format!("协办（主办：{D}）"));
    assert_eq!(cell(&sheet, 3, 5), "主办");
    assert_eq!(cell(&sheet, 3, 8), "已办结");
}

#[test]
fn duban_sheet_lists_supervise_first_and_keeps_formulas_as_text() {
    let f = fixture();
    let mut book = open_xlsx(duban_sheet(&f.rows, d(AS_OF)).unwrap());
    let sheet = book.worksheet_range("督办单").unwrap();
    assert_eq!(cell(&sheet, 0, 0), "督办单（截至 2025-03-31）");
    assert_eq!(cell(&sheet, 2, 1), "督办");
    assert_eq!(cell(&sheet, 2, 2), "M03");
    assert_eq!(cell(&sheet, 3, 1), "催办");
    assert_eq!(cell(&sheet, 3, 2), "M13");
    // Written as a string cell: the text shows, nothing runs.
    assert_eq!(
        sheet.get_value((3, 3)),
        Some(&Data::String("=HYPERLINK(\"http://x\")".into()))
    );
    assert!(book.worksheet_formula("督办单").unwrap().is_empty());
    // 03-20 → 03-31: 11 calendar days; 7 working days from the caller.
    assert_eq!(sheet.get_value((3, 10)), Some(&Data::Float(11.0)));
    assert_eq!(sheet.get_value((3, 11)), Some(&Data::Float(7.0)));
    assert_eq!(cell(&sheet, 4, 0), "");
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let body = text.strip_prefix('\u{FEFF}').expect("a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn lifecycle_csv_has_every_event_and_marks_undone_ones() {
    let f = fixture();
    let rows = parse_csv(&lifecycle_csv(&f.rows, &f.events));
    assert_eq!(rows[0], LIFECYCLE_COLUMNS);
    assert_eq!(rows.len(), f.events.len() + 1);
    let m01: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "M01").collect();
    let steps: Vec<(&str, &str)> = m01
        .iter()
        .map(|r| (r[3].as_str(), r[13].as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("交办", "否"),
            ("签收", "否"),
            ("答复", "否"),
            ("评价", "是"),
            ("撤销", "否"),
            ("评价", "否"),
            ("办结", "否")
        ]
    );
    assert_eq!(m01[0][7], format!("主办：{A}"));
    assert_eq!(m01[0][8], "2025-03-16");
    assert_eq!(m01[2][9], "已解决");
    assert_eq!(m01[3][10], "不满意");
    assert!(m01[4][11].starts_with("撤销第4号记录"));
    let g1 = rows.iter().find(|r| r[1] == "M07").unwrap();
    assert_eq!(g1[2], "G1");
    assert_eq!(g1[7], format!("主办：{D}；协办：{A}"));
}

#[test]
fn cases_csv_has_every_timestamp_and_guards_formulas() {
    let f = fixture();
    let rows = parse_csv(&cases_csv(&f.rows));
    assert_eq!(rows.len(), 15);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let m04 = rows.iter().find(|r| r[0] == "M04").unwrap();
    assert_eq!(m04[col("收集")], "2025-02-20");
    assert_eq!(m04[col("首次交办")], "2025-02-21");
    assert_eq!(m04[col("期限")], "2025-03-21");
    assert_eq!(m04[col("首次答复")], "2025-03-05");
    assert_eq!(m04[col("最新答复")], "2025-03-20");
    assert_eq!(m04[col("评价")], "2025-03-24");
    assert_eq!(m04[col("满意度")], "满意");
    assert_eq!(m04[col("重办次数")], "1");
    assert_eq!(m04[col("结果")], "已解决");
    let m05 = rows.iter().find(|r| r[0] == "M05").unwrap();
    assert_eq!(m05[col("交办")], "2025-03-07");
    assert_eq!(m05[col("退回次数")], "1");
    let m13 = rows.iter().find(|r| r[0] == "M13").unwrap();
    assert_eq!(m13[col("企业")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(m13[col("紧急程度")], "逾期（催办）");
}

#[test]
fn empty_inputs_give_an_honest_empty_report() {
    let report = MonthlyReport::build(&[], &[], march(), d(AS_OF), 6);
    assert_eq!(
        report.lead(),
        "本月交办问题0个（其中共性问题0个），按时答复率—（0/0），满意率—（0/0），评价覆盖率—（0/0）；截至月底累计仍未办结0个，其中逾期0个（含督办0个）。"
    );
    assert!(report.by_department.is_empty() && report.series.len() == 6);
    assert!(report.to_markdown().contains("暂无需督办的问题。"));
    assert!(report.to_html().contains("暂无需督办的问题。"));
    assert!(report.to_xlsx().is_ok());
    assert!(jiaoban_sheet("某局", &[], d(AS_OF)).is_ok());
    assert!(duban_sheet(&[], d(AS_OF)).is_ok());
    assert_eq!(parse_csv(&lifecycle_csv(&[], &[])).len(), 1);
    assert_eq!(parse_csv(&cases_csv(&[])).len(), 1);
    // A period the wrong way round counts nothing and does not panic.
    let odd = Period {
        start: d("2025-03-31"),
        end: d("2025-03-01"),
    };
    assert_eq!(
        Figures::compute(&[], &[], odd, d(AS_OF)),
        Figures::default()
    );
}

#[test]
fn ratios_periods_and_medians() {
    assert_eq!(Ratio::new(0, 0).text(), "—（0/0）");
    assert_eq!(Ratio::new(0, 3).percent(), "0%");
    assert_eq!(Ratio::new(3, 3).percent(), "100%");
    assert_eq!(Ratio::new(197, 200).text(), "98.5%（197/200）");
    assert_eq!(Ratio::new(1, 3).percent(), "33.3%");
    let jan = Period::month(2025, 1).unwrap();
    assert_eq!(jan.previous_month(), Period::month(2024, 12));
    assert_eq!(jan.label(), "2025年1月");
    assert_eq!(Period::month(2025, 13), None);
    let months: Vec<String> = jan
        .last_months(3)
        .iter()
        .map(|p| p.start.month_key())
        .collect();
    assert_eq!(months, ["2024-11", "2024-12", "2025-01"]);
    assert_eq!(Period::month(2024, 2).unwrap().end, d("2024-02-29"));
}
