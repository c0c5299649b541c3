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
    /// `template` once for each of `keys` (indices into the table `write` is given), the key
    /// where the template holds [`KEY_SLOT`]: a playlist's entries, hundreds of thousands in
    /// a large library, written without an element each.
    Repeated { template: Box<Xml>, keys: Vec<u32> },
}

/// Where a [`Xml::Repeated`] template takes its key.
pub const KEY_SLOT: &str = "\u{0}";

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
    /// `keys` are the table the entries of a [`Xml::Repeated`] index.
    pub fn write(&self, xml: &Xml, keys: &[Option<String>]) -> String {
        // Reserved ahead rather than grown: growing copies the text and holds both copies at
        // once, tens of megabytes for a large library; room never written is never touched.
        let longest = keys.iter().flatten().map(String::len).max().unwrap_or(0);
        let mut out = String::with_capacity(self.room(xml, 0, longest));
        self.write_at(xml, 0, keys, &mut out);
        out
    }

    /// At least the bytes `write_at` writes, with every key `longest` bytes long.
    fn room(&self, xml: &Xml, depth: usize, longest: usize) -> usize {
        let indent = self
            .indent
            .as_ref()
            .map_or(0, |(base, step)| base.len() + step.len() * depth);
        let line = 2 * (indent + self.newline.len());
        match xml {
            Xml::Raw(raw) => raw.len(),
            Xml::Repeated { template, keys } => {
                keys.len() * (self.room(template, depth, longest) + longest)
            }
            Xml::Element {
                open,
                close,
                children,
            } => {
                let inner: usize = children
                    .iter()
                    .map(|c| self.room(c, depth + 1, longest))
                    .sum();
                open.len() + close.len() + line + inner
            }
        }
    }

    fn write_at(&self, xml: &Xml, depth: usize, table: &[Option<String>], out: &mut String) {
        let (open, close, children) = match xml {
            Xml::Raw(raw) => return out.push_str(raw),
            Xml::Repeated { template, keys } => {
                let mut once = String::new();
                self.write_at(template, depth, table, &mut once);
                let (before, after) = once.split_once(KEY_SLOT).unwrap_or((&once, ""));
                for key in keys
                    .iter()
                    .filter_map(|&k| table.get(k as usize)?.as_deref())
                {
                    out.push_str(before);
                    out.push_str(key);
                    out.push_str(after);
                }
                return;
            }
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
                        .for_each(|c| self.write_at(c, depth + 1, table, out));
                    out.push_str(&indent);
                    out.push_str(close);
                }
                out.push_str(self.newline);
            }
            None => {
                out.push_str(open);
                children
                    .iter()
                    .for_each(|c| self.write_at(c, depth + 1, table, out));
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
        let track = Xml::element(format!("<TRACK Key=\"{KEY_SLOT}\"/>"), "", vec![]);
        let tracks = Xml::Repeated {
            template: Box::new(track),
            keys: vec![1, 0],
        };
        let list = Xml::element("<NODE Name=\"8\">".into(), "</NODE>", vec![tracks]);
        Xml::element("<NODE Name=\"E\">".into(), "</NODE>", vec![list])
    }

    #[test]
    fn writes_indented_and_native_layouts() {
        let keys = [Some("2".to_string()), Some("1".to_string())];
        let indented = Style {
            newline: "\r\n",
            indent: Some(("    ".into(), "  ".into())),
        };
        assert_eq!(
            indented.write(&tree(), &keys),
            "    <NODE Name=\"E\">\r\n      <NODE Name=\"8\">\r\n        <TRACK Key=\"1\"/>\r\n        <TRACK Key=\"2\"/>\r\n      </NODE>\r\n    </NODE>\r\n"
        );
        let native = Style {
            newline: "\n",
            indent: None,
        };
        assert_eq!(
            native.write(&tree(), &keys),
            "<NODE Name=\"E\"><NODE Name=\"8\"><TRACK Key=\"1\"/>\n<TRACK Key=\"2\"/>\n</NODE>\n</NODE>\n"
        );
    }
}
