//! Past proposals carry their answers: a file with 答复意见, 答复时间, 承办单位 and 办理结果 is read
//! with them (an unreadable date or an answer's details without its text are warnings), the
//! store keeps them, `search` and `similar` show them, the meeting pack says the matter was
//! raised and answered before, `items.csv` gets answer columns, and adding the same file again
//! changes nothing.

mod common;

use std::path::Path;

use common::*;

/// Seven rows: answered (A1, A4, A6, A7), answered with a date that cannot be read (A2), no
/// answer (A3) and a unit without an answer (A5).
const ANSWERS_CSV: &str = "\
编号,企业名称,意见建议,答复意见,答复时间,承办单位,办理结果
A1,恒通物流有限公司,银行贷款要求房产抵押，轻资产企业贷不到款,已协调多家银行推出信用贷款产品，请与市金融局联系,2019-05-09,A市金融工作局,已解决
A2,鑫达电子有限公司,企业贷款难，银行要求抵押物，希望推出信用贷款,正在推动银行扩大信用贷款投放,下个月,A市金融工作局,正在办理
A3,绿源食品有限公司,冷链车辆进城限行，通行证难办,,,,
A4,金桥建材有限公司,工业用地指标紧张，标准厂房租金偏高,已纳入年度用地计划优先保障,2019/6/1 10:00:00,A市自然资源和规划局,部分解决
A5,华强机械有限公司,招工难，技术工人留不住,,,A市人力资源和社会保障局,
A6,宏远科技有限公司,小微企业贷款利率高，担保费用贵,已引导政府性融资担保机构降低担保费率,2019-07-15,A市金融工作局,已解决
A7,顺达物流有限公司,货车通行证办理周期长，城区限行时段多,已优化通行证网上办理,2019-08-01,A市公安局交通警察支队,
";

fn answers_csv(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("答复.csv");
    std::fs::write(&path, ANSWERS_CSV).unwrap();
    path
}

/// `qingdan run`, returning standard output and standard error.
fn run_with_warnings(ws: &Path, input: &Path) -> (String, String) {
    let out = qingdan()
        .args(["run", "--quiet", "--out"])
        .arg(ws)
        .arg(input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(args: &[&str], ws: &Path) -> Vec<serde_json::Value> {
    let out = stdout_of(
        qingdan()
            .args(args)
            .arg("--json")
            .arg("--workspace")
            .arg(ws),
    );
    serde_json::from_str(&out).unwrap()
}

fn hit<'a>(hits: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    hits.iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("{id} not among {hits:?}"))
}

fn main_topic(ws: &Path, id: &str) -> String {
    read_csv(&ws.join("items.csv"))
        .into_iter()
        .find(|r| r["编号"] == id)
        .map(|r| r["主题"].split('、').next().unwrap().to_string())
        .unwrap()
}

#[test]
fn answers_are_read_stored_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let input = answers_csv(dir.path());
    let (out, err) = run_with_warnings(&ws, &input);
    assert!(out.contains("接收7行，退回0行"), "{out}");
    // Warnings name the file, row and field; the rows are accepted all the same.
    assert!(
        err.contains("第3行 答复时间: 无法识别的答复时间“下个月”"),
        "{err}"
    );
    assert!(
        err.contains("第6行 答复意见: 有承办单位但没有答复意见"),
        "{err}"
    );
    assert!(
        !err.contains("第4行"),
        "a row without any answer is fine: {err}"
    );

    // search prints the answer line and carries the fields in JSON.
    let text = stdout_of(qingdan().args(["search", "贷款", "--workspace"]).arg(&ws));
    assert!(
        text.contains(
            "曾答复：A市金融工作局 2019-05-09 答复（已解决）：已协调多家银行推出信用贷款产品"
        ),
        "{text}"
    );
    let hits = json_of(&["search", "贷款"], &ws);
    let a1 = &hit(&hits, "A1")["answer"];
    assert_eq!(
        a1["text"],
        "已协调多家银行推出信用贷款产品，请与市金融局联系"
    );
    assert_eq!(a1["date"], "2019-05-09");
    assert_eq!(a1["unit"], "A市金融工作局");
    assert_eq!(a1["result"], "已解决");
    let a2 = &hit(&hits, "A2")["answer"];
    assert_eq!(a2["text"], "正在推动银行扩大信用贷款投放");
    assert!(a2["date"].is_null(), "{a2}");
    let hits = json_of(&["search", "通行证"], &ws);
    assert!(
        hit(&hits, "A3").get("answer").is_none(),
        "no answer, no field"
    );
    assert_eq!(hit(&hits, "A7")["answer"]["result"], "");

    // similar: the answered proposal shows with its answer.
    let text = stdout_of(qingdan().args(["similar", "A2", "--workspace"]).arg(&ws));
    assert!(text.contains("[A1]"), "{text}");
    assert!(text.contains("曾答复：A市金融工作局 2019-05-09"), "{text}");
    let hits = json_of(&["similar", "A2"], &ws);
    assert_eq!(hit(&hits, "A1")["answer"]["unit"], "A市金融工作局");

    // items.csv has the answer columns.
    let rows = read_csv(&ws.join("items.csv"));
    let row = |id: &str| rows.iter().find(|r| r["编号"] == id).unwrap();
    assert_eq!(row("A1")["答复单位"], "A市金融工作局");
    assert_eq!(row("A1")["答复时间"], "2019-05-09");
    assert_eq!(row("A4")["答复时间"], "2019-06-01");
    assert_eq!(row("A4")["办理结果"], "部分解决");
    assert_eq!(row("A2")["答复时间"], "");
    assert_eq!(row("A3")["答复意见"], "");
    assert_eq!(
        row("A5")["答复单位"],
        "",
        "a unit without an answer is no answer"
    );

    // The meeting pack of the answered proposal's topic says it was raised and answered.
    let topic = main_topic(&ws, "A1");
    stdout_of(
        qingdan()
            .args(["report", "--meeting", &topic, "--k", "1", "--workspace"])
            .arg(&ws),
    );
    let line = "此前已提出，A市金融工作局 于 2019-05-09 答复（办理结果：已解决）：已协调多家银行";
    let md = std::fs::read_to_string(ws.join(format!("meeting-{topic}.md"))).unwrap();
    assert!(md.contains("## 五、此前已提出并答复"), "{md}");
    assert!(md.contains(line), "{md}");
    let html = std::fs::read_to_string(ws.join(format!("meeting-{topic}.html"))).unwrap();
    assert!(html.contains("五、此前已提出并答复"));
    assert!(html.contains(line), "{html}");
    // The same pack twice is the same file.
    stdout_of(
        qingdan()
            .args(["report", "--meeting", &topic, "--k", "1", "--workspace"])
            .arg(&ws),
    );
    let again = std::fs::read_to_string(ws.join(format!("meeting-{topic}.md"))).unwrap();
    assert_eq!(md, again);
}

#[test]
fn adding_the_same_answers_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let input = answers_csv(dir.path());
    run_with_warnings(&ws, &input);
    let add = |input: &Path| {
        stdout_of(
            qingdan()
                .args(["add", "--quiet", "--workspace"])
                .arg(&ws)
                .arg(input),
        )
    };
    let out = add(&input);
    assert!(out.contains("新增0条，更新0条，内容未变7条"), "{out}");
    // Another answer to the same proposal is new content: that item is updated.
    let changed = dir.path().join("答复2.csv");
    std::fs::write(
        &changed,
        ANSWERS_CSV.replace("正在推动银行扩大信用贷款投放", "已推动银行扩大信用贷款投放"),
    )
    .unwrap();
    let out = add(&changed);
    assert!(out.contains("新增0条，更新1条，内容未变6条"), "{out}");
    let hits = json_of(&["search", "贷款"], &ws);
    assert_eq!(
        hit(&hits, "A2")["answer"]["text"],
        "已推动银行扩大信用贷款投放"
    );
}

#[test]
fn tipdm_style_jsonl_is_read_with_its_answers() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let input = dir.path().join("replies.jsonl");
    let rows = [
        serde_json::json!({
            "留言编号": 2549, "留言用户": "A00045581", "留言主题": "A2区景蓉华苑物业管理有问题",
            "留言时间": "2019/4/25 9:32:09",
            "留言详情": "小区物业公司扬言要退出小区，业委会制定高昂收费方案",
            "答复意见": "现将调查核实情况答复如下：街道已约谈物业公司和业委会。",
            "答复时间": "2019/5/10 14:56:53"
        }),
        serde_json::json!({
            "留言编号": 2554, "留言用户": "A00023583", "留言主题": "A3区潇楚南路洋湖段怎么还没修好",
            "留言时间": "2019/4/8 8:37:20",
            "留言详情": "潇楚南路从2018年开始修，到现在都快一年了还没修好",
            "答复意见": "网友您好！该路段已纳入今年的建设计划。",
            "答复时间": "2019/5/9 9:49:10"
        }),
    ];
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let (out, err) = run_with_warnings(&ws, &input);
    assert!(out.contains("接收2行，退回0行"), "{out}");
    assert!(err.is_empty(), "{err}");
    let hits = json_of(&["search", "物业"], &ws);
    let h = hit(&hits, "2549");
    assert_eq!(h["enterprise"], "A00045581");
    assert_eq!(h["date"], "2019-04-25");
    assert_eq!(h["answer"]["date"], "2019-05-10");
    assert_eq!(
        h["answer"]["text"],
        "现将调查核实情况答复如下：街道已约谈物业公司和业委会。"
    );
    let text = stdout_of(
        qingdan()
            .args(["search", "潇楚南路", "--workspace"])
            .arg(&ws),
    );
    assert!(
        text.contains("曾答复：2019-05-09 答复：网友您好！该路段已纳入今年的建设计划。"),
        "{text}"
    );
}

#[test]
fn a_workspace_without_answers_exports_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let input = dir.path().join("a.csv");
    std::fs::write(
        &input,
        "编号,企业名称,意见建议\nB1,恒通物流有限公司,银行贷款要求房产抵押\nB2,鑫达电子有限公司,企业贷款难，银行要求抵押物\n",
    )
    .unwrap();
    run_with_warnings(&ws, &input);
    let header = std::fs::read_to_string(ws.join("items.csv")).unwrap();
    let header = header.lines().next().unwrap();
    assert!(header.ends_with("来源文件,来源行"), "{header}");
    let hits = json_of(&["search", "贷款"], &ws);
    assert!(hits.iter().all(|h| h.get("answer").is_none()));
    let topic = main_topic(&ws, "B1");
    stdout_of(
        qingdan()
            .args(["report", "--meeting", &topic, "--k", "1", "--workspace"])
            .arg(&ws),
    );
    let md = std::fs::read_to_string(ws.join(format!("meeting-{topic}.md"))).unwrap();
    assert!(!md.contains("此前已提出"), "{md}");
}
