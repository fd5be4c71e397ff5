//! HTML escaping and the small builder every page is written with. User text can only enter a
//! page through [`Html::text`] or an attribute value, both escaped; markup that is not escaped
//! must be a `&'static str`, so it is always ours, written into the source.

/// Escapes text for an HTML text node or a quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Attributes of an element: fixed names, values escaped when written.
pub type Attrs<'a> = &'a [(&'static str, &'a str)];

/// A column heading for [`Html::thead`].
pub enum Th<'a> {
    Text(&'a str),
    Num(&'a str),
}

/// An HTML (or inline SVG) document under construction.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

impl Html {
    pub fn new() -> Self {
        Html {
            out: String::with_capacity(64 * 1024),
        }
    }

    /// Escaped text.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.out.push_str(&escape(s));
        self
    }

    /// Our own markup, CSS or script: only string literals, never user data.
    pub fn fixed(&mut self, s: &'static str) -> &mut Self {
        self.out.push_str(s);
        self
    }

    fn open(&mut self, tag: &'static str, attrs: Attrs) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.out.push_str(&escape(value));
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn close(&mut self, tag: &'static str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// An element whose content `body` writes.
    pub fn el(
        &mut self,
        tag: &'static str,
        attrs: Attrs,
        body: impl FnOnce(&mut Html),
    ) -> &mut Self {
        self.open(tag, attrs);
        body(self);
        self.close(tag);
        self
    }

    /// An element holding only escaped text.
    pub fn leaf(&mut self, tag: &'static str, attrs: Attrs, text: &str) -> &mut Self {
        self.open(tag, attrs);
        self.text(text);
        self.close(tag);
        self
    }

    /// An element without content or end tag (`meta`, `input`).
    pub fn void(&mut self, tag: &'static str, attrs: Attrs) -> &mut Self {
        self.open(tag, attrs);
        self
    }

    /// An empty SVG element, closed in place (`<rect …/>`).
    pub fn empty(&mut self, tag: &'static str, attrs: Attrs) -> &mut Self {
        self.open(tag, attrs);
        self.out.insert(self.out.len() - 1, '/');
        self
    }

    /// A table's header row. Number columns carry class `n` (right-aligned), as their cells do.
    pub fn thead(&mut self, columns: &[Th]) -> &mut Self {
        self.el("thead", &[], |h| {
            h.el("tr", &[], |h| {
                for column in columns {
                    match column {
                        Th::Text(name) => h.leaf("th", &[], name),
                        Th::Num(name) => h.leaf("th", &[("class", "n")], name),
                    };
                }
            });
        })
    }

    /// A line break in the source, so the page reads in an editor and diffs line by line.
    pub fn nl(&mut self) -> &mut Self {
        self.out.push('\n');
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_ampersands() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("融资难、融资贵"), "融资难、融资贵");
    }

    #[test]
    fn builder_escapes_text_and_attribute_values() {
        let mut h = Html::new();
        h.el("p", &[("title", "a\" onmouseover=\"x")], |h| {
            h.leaf("b", &[], "<i>1</i>");
        });
        assert_eq!(
            h.finish(),
            "<p title=\"a&quot; onmouseover=&quot;x\"><b>&lt;i&gt;1&lt;/i&gt;</b></p>"
        );
    }
}
