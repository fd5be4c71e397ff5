//! Index/search: a tantivy index on disk of every item. Every field but the title and text is
//! stored; a hit reads those from the store ([`ItemTexts`]), which keeps them anyway. Text is
//! tokenized by [`AnalyzerTokenizer`] — the pipeline's own analyzer — so a query is cut with
//! the same dictionary and synonyms as the items (借钱 finds 贷款), and queries are built term
//! by term (BM25 over words), never as one phrase.

mod build;
mod schema;
mod search;
mod tokenizer;

pub use build::{clean_leftovers, index_generation, rebuild_index, IndexUpdate, Rebuild};
pub use schema::IndexSchema;
pub use search::{Filters, Hit, ItemTexts, SearchIndex};
pub use tokenizer::{AnalyzerTokenizer, TOKENIZER_NAME};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::dicts::Dicts;
    use crate::pipeline::{AnalyzedItem, Pipeline};
    use crate::progress::Progress;
    use crate::record::{Item, SourceRef};

    fn item(id: &str, enterprise: &str, text: &str, day: u32) -> Item {
        Item {
            id: id.into(),
            enterprise: enterprise.into(),
            title: String::new(),
            text: text.into(),
            date: Date::new(2025, 4, day),
            channel: "走访".into(),
            region: "江北区".into(),
            source: SourceRef {
                file: "t.csv".into(),
                row: 2,
            },
            answer: None,
        }
    }

    /// The items analysed and indexed in a new temporary folder's `index`, with the analysed
    /// items (where hits read their texts).
    fn indexed(
        pipeline: &Pipeline,
        items: Vec<Item>,
    ) -> (tempfile::TempDir, SearchIndex, Vec<AnalyzedItem>) {
        let analysis = pipeline.run(items, &Progress::hidden());
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let analyzer = pipeline.analyzer.clone();
        rebuild_index(&dir, analysis.items.iter(), analyzer.clone(), 1, || Ok(())).unwrap();
        let index = SearchIndex::open(&dir, analyzer).unwrap();
        (tmp, index, analysis.items)
    }

    #[test]
    fn equal_scores_come_back_in_id_order() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let text = "冷链车辆进城限行，通行证难办";
        // Added in another order than their ids: the index keeps them in the order added.
        let ids = ["m", "c", "x", "a", "k"];
        let items = ids
            .iter()
            .map(|id| item(id, "绿源食品有限公司", text, 5))
            .collect();
        let (_tmp, index, texts) = indexed(&pipeline, items);
        let found = |limit| -> Vec<String> {
            let hits = index
                .search(&texts, "冷链 限行", &Filters::default(), limit)
                .unwrap();
            assert!(hits.windows(2).all(|w| w[0].score == w[1].score));
            hits.into_iter().map(|h| h.id).collect()
        };
        assert_eq!(found(10), vec!["a", "c", "k", "m", "x"]);
        assert_eq!(found(2), vec!["a", "c"]);
    }

    #[test]
    fn index_search_filters_and_similar() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let items = vec![
            item(
                "a",
                "恒通物流集团有限公司",
                "银行贷款要求房产抵押，轻资产企业贷不到款",
                1,
            ),
            item("b", "绿源食品有限公司", "冷链车辆进城限行，通行证难办", 5),
            item(
                "c",
                "金桥建材有限公司",
                "工业用地指标紧张，标准厂房租金偏高",
                9,
            ),
        ];
        let (tmp, index, texts) = indexed(&pipeline, items);
        let dir = tmp.path().join("index");
        assert_eq!(index.len(), 3);

        // 借钱 is a synonym of 贷款: found though the word never occurs; highlighted in the text.
        let hits = index
            .search(&texts, "借钱", &Filters::default(), 10)
            .unwrap();
        assert_eq!(
            hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            vec!["a"]
        );
        assert!(hits[0].snippet.contains("贷款】"), "{}", hits[0].snippet);

        let only_land = Filters {
            topic: Some("土地用地".into()),
            ..Filters::default()
        };
        assert!(index
            .search(&texts, "贷款", &only_land, 10)
            .unwrap()
            .is_empty());
        let after = Filters {
            from: Date::new(2025, 4, 2),
            ..Filters::default()
        };
        assert!(index
            .search(&texts, "贷款 限行", &after, 10)
            .unwrap()
            .iter()
            .all(|h| h.id == "b"));
        let by_name = Filters {
            enterprise: Some("恒通".into()),
            ..Filters::default()
        };
        assert_eq!(
            index
                .search(&texts, "贷款 限行", &by_name, 10)
                .unwrap()
                .len(),
            1
        );

        let similar = index
            .similar(&texts, "第一次贷款银行要房产抵押", None, None, 5, 0.1)
            .unwrap();
        assert_eq!(similar.first().map(|h| h.id.as_str()), Some("a"));
        assert!(similar.iter().all(|h| h.score >= 0.1 && h.score <= 1.0001));
        // earlier-only and excluding itself
        let c = &texts[2];
        let text = format!("{}。{}", c.title, c.text);
        let before_c = index
            .similar(&texts, &text, Some("c"), c.item.date, 5, 0.0)
            .unwrap();
        assert!(before_c.iter().all(|h| h.id != "c"));
        assert!(index
            .search(&texts, "火星", &Filters::default(), 5)
            .unwrap()
            .is_empty());

        // Reopening registers the tokenizer again.
        drop(index);
        let again = SearchIndex::open(&dir, pipeline.analyzer.clone()).unwrap();
        assert_eq!(
            again
                .search(&texts, "冷链", &Filters::default(), 5)
                .unwrap()[0]
                .id,
            "b"
        );
    }

    /// The store keeps titles and texts; the index only finds them.
    #[test]
    fn hits_read_title_and_text_from_the_store_not_the_index() {
        struct Store;
        impl ItemTexts for Store {
            fn title_and_text(&self, id: &str) -> crate::Result<Option<(String, String)>> {
                Ok((id == "a").then(|| ("标题".to_string(), "贷款难，据存储所记".to_string())))
            }
        }
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let items = vec![item("a", "甲公司", "银行贷款要求房产抵押", 1)];
        let (_tmp, index, _) = indexed(&pipeline, items);
        let hits = index
            .search(&Store, "贷款", &Filters::default(), 5)
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(
            (hits[0].title.as_str(), hits[0].text.as_str()),
            ("标题", "贷款难，据存储所记")
        );
        // The snippet is cut from the store's text, the matched word marked.
        let snippet = &hits[0].snippet;
        assert!(
            snippet.contains("据存储所记") && snippet.contains("【"),
            "{snippet}"
        );
        let searcher = index.reader.searcher();
        let doc: tantivy::TantivyDocument = searcher.doc(tantivy::DocAddress::new(0, 0)).unwrap();
        let schema = IndexSchema::new();
        assert!(doc.get_first(schema.text).is_none() && doc.get_first(schema.title).is_none());
        assert!(doc.get_first(schema.id).is_some());
    }

    #[test]
    fn updates_commit_only_with_the_database() {
        let pipeline = Pipeline::new(&Dicts::embedded().unwrap()).unwrap();
        let analysis = pipeline.run(
            vec![
                item("a", "甲公司", "银行贷款要求房产抵押", 1),
                item("b", "乙公司", "冷链车辆进城限行", 2),
            ],
            &Progress::hidden(),
        );
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let analyzer = pipeline.analyzer.clone();
        rebuild_index(&dir, analysis.items.iter(), analyzer.clone(), 1, || Ok(())).unwrap();
        assert_eq!(index_generation(&dir).unwrap(), Some(1));
        let newer = pipeline.run(
            vec![item("c", "丙公司", "园区食堂晚上不开门", 3)],
            &Progress::hidden(),
        );
        let texts: Vec<AnalyzedItem> = analysis.items.iter().chain(&newer.items).cloned().collect();
        let change = |ok: bool| {
            let update = IndexUpdate::open(&dir, analyzer.clone()).unwrap();
            update.remove("b");
            update.add(&newer.items[0]).unwrap();
            update.commit_with(2, || {
                if ok {
                    Ok(())
                } else {
                    Err(crate::Error::Query("数据库提交失败".into()))
                }
            })
        };
        assert!(change(false).is_err());
        assert_eq!(index_generation(&dir).unwrap(), Some(1));
        let at1 = SearchIndex::open_at(&dir, analyzer.clone(), 1)
            .unwrap()
            .unwrap();
        assert_eq!(
            at1.len(),
            2,
            "a failed database commit leaves the index as it was"
        );
        assert!(SearchIndex::open_at(&dir, analyzer.clone(), 2)
            .unwrap()
            .is_none());
        change(true).unwrap();
        let at2 = SearchIndex::open_at(&dir, analyzer.clone(), 2)
            .unwrap()
            .unwrap();
        assert_eq!(at2.len(), 2);
        assert_eq!(
            at2.search(&texts, "食堂", &Filters::default(), 5).unwrap()[0].id,
            "c"
        );
        assert!(at2
            .search(&texts, "冷链", &Filters::default(), 5)
            .unwrap()
            .is_empty());
        // the reader opened at generation 1 still sees its own commit
        assert_eq!(
            at1.search(&texts, "冷链", &Filters::default(), 5).unwrap()[0].id,
            "b"
        );
    }
}
