//! Traditional → Simplified with OpenCC's phrase-aware tables (ferrous-opencc, pure Rust), because
//! jieba's dictionary is Simplified: Traditional text segments badly and never meets its twin.

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

use super::Normalizer;
use crate::{Error, Result};

/// OpenCC's t2s conversion.
pub struct TraditionalToSimplified {
    converter: OpenCC,
}

impl TraditionalToSimplified {
    pub fn new() -> Result<Self> {
        let converter = OpenCC::from_config(BuiltinConfig::T2s).map_err(|e| Error::Dict {
            file: "opencc t2s".into(),
            line: 0,
            reason: e.to_string(),
        })?;
        Ok(TraditionalToSimplified { converter })
    }
}

impl Normalizer for TraditionalToSimplified {
    fn normalize(&self, text: &str) -> String {
        self.converter.convert(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_traditional_and_leaves_simplified() {
        let t = TraditionalToSimplified::new().unwrap();
        assert_eq!(
            t.normalize("廠房租金過高，員工宿舍不足"),
            "厂房租金过高，员工宿舍不足"
        );
        assert_eq!(t.normalize("融资难融资贵"), "融资难融资贵");
    }
}
