//! Learned topics end to end: `train` on labelled history made from our corpus and its gold
//! labels, `eval topics` by cross-validation and with the model, `run --model`, and `topics`.

mod common;

use common::*;

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_of(qingdan().args(args))).unwrap()
}

#[test]
fn train_eval_and_run_with_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let labelled = labelled_corpus(dir.path());
    let model = dir.path().join("model.json");
    let text = stdout_of(
        qingdan()
            .arg("train")
            .arg(&labelled)
            .arg("--out")
            .arg(&model),
    );
    assert!(text.contains("10个类别"), "{text}");

    // Cross-validation: every row predicted by a model that never saw it.
    let cv = json(&[
        "eval",
        "topics",
        labelled.to_str().unwrap(),
        "--folds",
        "5",
        "--json",
    ]);
    let cv_f1 = cv["macro_f1"].as_f64().unwrap();
    eprintln!(
        "corpus 5-fold CV macro-F1 {cv_f1:.3}, accuracy {:.3}",
        cv["accuracy"].as_f64().unwrap()
    );
    assert!(cv_f1 >= 0.80, "{cv_f1}");
    let total: u64 = cv["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, cv["documents"].as_u64().unwrap());

    // The half protocol: dev-half CV and dev → held, the two halves making up the file.
    let halves = json(&[
        "eval",
        "topics",
        labelled.to_str().unwrap(),
        "--split-halves",
        "--json",
    ]);
    let (dev_cv, held) = (&halves["dev_cv"], &halves["dev_to_held"]);
    let f1 = |r: &serde_json::Value| r["macro_f1"].as_f64().unwrap();
    eprintln!(
        "corpus halves: dev CV macro-F1 {:.3}, dev → held {:.3}",
        f1(dev_cv),
        f1(held)
    );
    assert_eq!(
        dev_cv["documents"].as_u64().unwrap() + held["documents"].as_u64().unwrap(),
        cv["documents"].as_u64().unwrap()
    );
    assert!(f1(dev_cv) >= 0.70 && f1(held) >= 0.75, "{halves}");

    // The model on its own training data fits it closely, far better than on held-out rows.
    let fit = json(&[
        "eval",
        "topics",
        labelled.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--json",
    ]);
    assert!(fit["macro_f1"].as_f64().unwrap() >= 0.95 && fit["macro_f1"].as_f64().unwrap() > cv_f1);

    // run --model: topics come from the model, with the features that decided them.
    let ws = dir.path().join("ws");
    qingdan()
        .args(["run", "--quiet", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&ws)
        .assert()
        .success();
    let items = read_csv(&ws.join("items.csv"));
    assert!(
        items.iter().all(|r| r["主题依据"].contains("(模型 ")),
        "{:?}",
        items[0]
    );
    assert!(items.iter().any(|r| r["主题依据"]
        .split(':')
        .nth(1)
        .is_some_and(|f| !f.is_empty())));

    let listed = qingdan()
        .args(["topics", "--model"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(String::from_utf8(listed.stdout)
        .unwrap()
        .contains("- 金融信贷"));
}

#[test]
fn topics_lists_the_keyword_taxonomy() {
    let out = qingdan().arg("topics").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for t in [
        "金融信贷",
        "物流运输",
        "土地用地",
        "人才用工",
        "水电气",
        "审批服务",
        "税费",
        "科技创新",
        "市场环境",
        "其他",
    ] {
        assert!(text.contains(&format!("- {t}（")), "{t} missing: {text}");
    }
}

#[test]
fn labelled_file_without_labels_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nolabel.csv");
    std::fs::write(&path, "编号,内容\n1,贷款难\n").unwrap();
    let out = qingdan()
        .arg("train")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("m.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("nolabel.csv") && err.contains("--column label="),
        "{err}"
    );
    let bad_model = dir.path().join("bad.json");
    std::fs::write(&bad_model, "{}").unwrap();
    let out = qingdan()
        .args(["run", "--quiet", "--model"])
        .arg(&bad_model)
        .arg("--out")
        .arg(dir.path().join("ws"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("bad.json"));
}
