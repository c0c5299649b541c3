//! Elements written into a playlist tree in the file's own layout: indented a step a level with
//! each tag on its own line, or Traktor's native layout (no indentation, a line break after
//! each end tag).

/// An element to write, or bytes of the file kept as they are (a node taggenius keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Xml {
    Element {
        /// The start tag, or the whole of an empty element (`<TRACK Key="1"/>`).
        open: String,
        /// The end tag; empty for an empty element.
        close: String,
        children: Vec<Xml>,
    },
    /// Written as it is: its own indentation and line break included.
    Raw(String),
}

impl Xml {
    pub fn element(open: String, close: &str, children: Vec<Xml>) -> Xml {
        Xml::Element {
            open,
            close: close.to_string(),
            children,
        }
    }
}

/// How the file lays out its tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    pub newline: &'static str,
    /// The indentation of the element written at the top, and of each level below it; `None`
    /// for the native layout.
    pub indent: Option<(String, String)>,
}

impl Style {
    /// `xml` as the file would hold it where it is inserted: in the indented layout, starting
    /// with its indentation and ending with a line break.
    pub fn write(&self, xml: &Xml) -> String {
        let mut out = String::new();
        self.write_at(xml, 0, &mut out);
        out
    }

    fn write_at(&self, xml: &Xml, depth: usize, out: &mut String) {
        let (open, close, children) = match xml {
            Xml::Raw(raw) => return out.push_str(raw),
            Xml::Element {
                open,
                close,
                children,
            } => (open, close, children),
        };
        match &self.indent {
            Some((base, step)) => {
                let indent = format!("{base}{}", step.repeat(depth));
                out.push_str(&indent);
                out.push_str(open);
                if children.is_empty() {
                    out.push_str(close);
                } else {
                    out.push_str(self.newline);
                    children
                        .iter()
                        .for_each(|c| self.write_at(c, depth + 1, out));
                    out.push_str(&indent);
                    out.push_str(close);
                }
                out.push_str(self.newline);
            }
            None => {
                out.push_str(open);
                children
                    .iter()
                    .for_each(|c| self.write_at(c, depth + 1, out));
                out.push_str(close);
                out.push_str(self.newline);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Xml {
        let track = Xml::element("<TRACK Key=\"1\"/>".into(), "", vec![]);
        let list = Xml::element("<NODE Name=\"8\">".into(), "</NODE>", vec![track]);
        Xml::element("<NODE Name=\"E\">".into(), "</NODE>", vec![list])
    }

    #[test]
    fn writes_indented_and_native_layouts() {
        let indented = Style {
            newline: "\r\n",
            indent: Some(("    ".into(), "  ".into())),
        };
        assert_eq!(
            indented.write(&tree()),
            "    <NODE Name=\"E\">\r\n      <NODE Name=\"8\">\r\n        <TRACK Key=\"1\"/>\r\n      </NODE>\r\n    </NODE>\r\n"
        );
        let native = Style {
            newline: "\n",
            indent: None,
        };
        assert_eq!(
            native.write(&tree()),
            "<NODE Name=\"E\"><NODE Name=\"8\"><TRACK Key=\"1\"/>\n</NODE>\n</NODE>\n"
        );
    }
}
