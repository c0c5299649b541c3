//! Reading a start tag's attributes: by hand rather than with quick-xml's attribute iterator,
//! since this runs for every attribute of every element; every check is kept.

use std::hash::BuildHasher;
use std::ops::Range;

use anyhow::Result;
use quick_xml::events::BytesStart;
use rustc_hash::FxBuildHasher;

use crate::library::xml::checks::{at, check_name, check_reference, offset_in, quoted};

/// An attribute value between its quotes: no `<`, and every `&` starts a reference XML 1.0
/// knows without a DTD. Returns the offset within the value of the first problem.
pub fn check_attribute_value(value: &[u8]) -> Result<(), (usize, String)> {
    let mut from = 0;
    while let Some(found) = memchr::memchr2(b'<', b'&', &value[from..]) {
        let i = from + found;
        if value[i] == b'<' {
            return Err((i, "`<` is not allowed in an attribute value".to_string()));
        }
        let name_len = value[i + 1..].iter().take(64).position(|&b| b == b';');
        let Some(len) = name_len else {
            return Err((
                i,
                "`&` must start a reference such as &amp; (a bare & is written &amp;)".to_string(),
            ));
        };
        check_reference(&value[i + 1..i + 1 + len]).map_err(|m| (i, m))?;
        from = i + len + 2;
    }
    Ok(())
}

/// Attribute names already checked on an earlier element of the same name. rekordbox writes
/// every TRACK with the same attributes in the same order (and a POSITION_MARK in one of three
/// ways), so a name equal to the one such an element had at its position needs neither the name
/// check nor the duplicate search.
#[derive(Default)]
pub struct KnownNames<'a> {
    /// (element, its attribute names), a few ways of writing each element at most.
    lists: Vec<(&'a [u8], Vec<&'a [u8]>)>,
}

impl<'a> KnownNames<'a> {
    const MAX_LISTS: usize = 64;
    const MAX_LISTS_PER_ELEMENT: usize = 4;

    fn of(&self, element: &[u8]) -> &[&'a [u8]] {
        self.lists
            .iter()
            .find(|(name, _)| *name == element)
            .map_or(&[], |(_, names)| names.as_slice())
    }

    /// Another known list for `element` that starts with `prefix` and then `next`.
    fn other(&self, element: &[u8], prefix: &[&[u8]], next: &[u8]) -> Option<&[&'a [u8]]> {
        self.lists
            .iter()
            .filter(|(name, _)| *name == element)
            .map(|(_, names)| names.as_slice())
            .find(|names| names.get(prefix.len()) == Some(&next) && names.starts_with(prefix))
    }

    fn remember(&mut self, element: &'a [u8], names: Vec<&'a [u8]>) {
        let same = self
            .lists
            .iter()
            .filter(|(name, _)| *name == element)
            .count();
        if same < Self::MAX_LISTS_PER_ELEMENT && self.lists.len() < Self::MAX_LISTS {
            self.lists.push((element, names));
        } else if let Some(last) = self
            .lists
            .iter_mut()
            .rev()
            .find(|(name, _)| *name == element)
        {
            last.1 = names;
        }
    }
}

/// Calls `f` with each attribute's name, the offset of the name and the range of its raw
/// value, after checking the attribute. Written by hand rather than with quick-xml's attribute
/// iterator: it runs for every attribute of every element, and this is several times cheaper.
///
/// A tag whose end the walk does not know runs to the first `>` or `/>` where an attribute
/// could start. Returns where the attributes end.
pub fn for_each_attribute<'a>(
    bytes: &'a [u8],
    tag: &Tag,
    known: &mut KnownNames<'a>,
    mut f: impl FnMut(&[u8], usize, Range<usize>) -> Result<()>,
) -> Result<usize> {
    let (start, name_len, end) = (tag.start, tag.name_len, tag.end);
    let content = match end {
        Some(end) => bytes.get(start..end),
        None => bytes.get(start..),
    };
    let content = content.unwrap_or_default();
    let base = start;
    let name = content.get(..name_len).unwrap_or_default();
    let place = Place { bytes, base, name };
    let fail = |at_offset: usize, what: String| place.fail(at_offset, what);
    let mut template = known.of(name);
    // Set once this element's names part from the template; from then on every name is
    // checked and collected, and they become the template for the next element of this name.
    let mut checked: Option<(NameSet, Vec<&'a [u8]>)> = None;
    let mut count = 0;
    let mut i = name_len;
    loop {
        let gap = i;
        i = skip_space(content, i);
        if i == content.len() {
            if end.is_none() {
                return Err(fail(i, "the file ends inside this tag".into()));
            }
            break;
        }
        if end.is_none() && (content[i] == b'>' || content[i..].starts_with(b"/>")) {
            break;
        }
        if i == gap {
            return Err(fail(
                i,
                "attributes must be separated by white space".into(),
            ));
        }
        let name_start = i;
        // The name the template expects here, directly followed by `=`, needs no scan.
        let expected = template.get(count).filter(|_| checked.is_none());
        let as_expected;
        (i, as_expected) = scan_name(content, i, expected.copied());
        let key = &content[name_start..i];
        if !as_expected && checked.is_none() {
            checked = part_from(known, name, &mut template, count, key);
        }
        if let Some((names, list)) = &mut checked {
            place.check_new_name(names, key, name_start)?;
            list.push(key);
        }
        count += 1;
        let value = place.value(content, i, key)?;
        f(key, base + name_start, base + value.start..base + value.end)?;
        i = value.end + 1;
    }
    if let Some((_, names)) = checked {
        known.remember(name, names);
    }
    Ok(base + i)
}

/// Where the attribute name at `i` ends, and whether it is `expected`, found without a scan.
#[inline(always)]
fn scan_name(content: &[u8], mut i: usize, expected: Option<&[u8]>) -> (usize, bool) {
    match expected {
        Some(t) if content.get(i + t.len()) == Some(&b'=') && same(&content[i..i + t.len()], t) => {
            (i + t.len(), true)
        }
        _ => {
            while i < content.len() && !content[i].is_ascii_whitespace() && content[i] != b'=' {
                i += 1;
            }
            (i, false)
        }
    }
}

/// A name `key` that is not the one the template expected at `count`: another template of the
/// element's name may fit; if none does, the element parts from its templates, and every name
/// from here on is checked, starting from those read so far.
fn part_from<'k, 'a>(
    known: &'k KnownNames<'a>,
    name: &[u8],
    template: &mut &'k [&'a [u8]],
    count: usize,
    key: &[u8],
) -> Option<(NameSet<'a>, Vec<&'a [u8]>)> {
    let on_template = |template: &[&[u8]]| template.get(count).is_some_and(|t| same(t, key));
    if !on_template(template) {
        if let Some(other) = known.other(name, &template[..count], key) {
            *template = other;
        }
    }
    if on_template(template) {
        return None;
    }
    let mut names = NameSet::default();
    for &n in &template[..count] {
        names.insert(n);
    }
    Some((names, template[..count].to_vec()))
}

/// Where an element stands, for reading its attributes and wording what is wrong with them.
struct Place<'a> {
    bytes: &'a [u8],
    /// The offset of the element's content (just after its `<`) in `bytes`.
    base: usize,
    /// The element's name.
    name: &'a [u8],
}

impl Place<'_> {
    /// A problem at `offset` in the element's content.
    fn fail(&self, offset: usize, what: String) -> anyhow::Error {
        // Quoted only for a message: most elements have no problem to report.
        let element = quoted(self.name);
        at(
            self.bytes,
            self.base + offset,
            format!("in <{element}>: {what}"),
        )
    }

    /// Checks a name that parts from the element's template: well-formed and not repeated.
    fn check_new_name<'n>(
        &self,
        names: &mut NameSet<'n>,
        key: &'n [u8],
        offset: usize,
    ) -> Result<()> {
        check_name(key).map_err(|m| at(self.bytes, self.base + offset, m))?;
        if !names.insert(key) {
            let element = quoted(self.name);
            let message = format!("duplicate attribute {} in <{element}>", quoted(key));
            return Err(at(self.bytes, self.base + offset, message));
        }
        Ok(())
    }

    /// The value of the attribute `key` whose name ends at `i` in `content`: its range there,
    /// between the quotes.
    #[inline(always)]
    fn value(&self, content: &[u8], i: usize, key: &[u8]) -> Result<Range<usize>> {
        let i = skip_space(content, i);
        if content.get(i) != Some(&b'=') {
            let what = format!("expected `=` after the attribute name {}", quoted(key));
            return Err(self.fail(i, what));
        }
        let i = skip_space(content, i + 1);
        let quote = match content.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => return Err(self.fail(i, format!("the value of {} is not quoted", quoted(key)))),
        };
        let value_start = i + 1;
        // One scan finds the closing quote of a plain value; only a value holding `<` or `&`
        // needs the closer look.
        let first = memchr::memchr3(quote, b'<', b'&', &content[value_start..]);
        let plain = first.filter(|&at| content[value_start + at] == quote);
        let Some(len) = plain.or_else(|| memchr::memchr(quote, &content[value_start..])) else {
            let what = format!("the value of {} has no closing quote", quoted(key));
            return Err(self.fail(i, what));
        };
        let value = value_start..value_start + len;
        if plain.is_none() {
            check_attribute_value(&content[value.clone()]).map_err(|(at_byte, m)| {
                let element = quoted(self.name);
                let message = format!("in {} of <{element}>: {m}", quoted(key));
                at(self.bytes, self.base + value_start + at_byte, message)
            })?;
        }
        Ok(value)
    }
}

/// Byte equality without a call into the C library: attribute names are a few bytes long, and
/// this runs for every attribute of every element.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn skip_space(content: &[u8], mut i: usize) -> usize {
    while content.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// An element's start tag as a walk found it: where the bytes after its `<` start, how long
/// its name is, and where they end (before `>`, or the `/` of an empty element) when the walk
/// knows; when it does not, reading the attributes finds the end.
#[derive(Debug, Clone)]
pub struct Tag {
    pub start: usize,
    pub name_len: usize,
    pub end: Option<usize>,
}

impl Tag {
    pub fn of(bytes: &[u8], tag: &BytesStart) -> Result<Tag> {
        let start = offset_in(bytes, tag.as_ref())?;
        Ok(Tag {
            start,
            name_len: tag.name().as_ref().len(),
            end: Some(start + <[u8]>::len(tag)),
        })
    }
}

/// The attribute names seen on one element, for the duplicate check. quick-xml's own check
/// compares every pair of names byte by byte, which was a fifth of a large re-render; here
/// names are compared by a hash first and by their bytes only when two hashes agree.
#[derive(Default)]
struct NameSet<'a> {
    len: usize,
    /// One bit per hash value mod 128: a name whose bit is clear is new without a search.
    bits: u128,
    seen: [(u64, &'a [u8]); 32],
    /// Elements with more attributes than fit above (rekordbox writes about 25).
    more: Vec<(u64, &'a [u8])>,
}

impl<'a> NameSet<'a> {
    /// False when `name` was already seen.
    fn insert(&mut self, name: &'a [u8]) -> bool {
        let hash = FxBuildHasher.hash_one(name);
        let bit = 1u128 << (hash % 128);
        let seen = &self.seen[..self.len];
        if self.bits & bit != 0
            && seen
                .iter()
                .chain(&self.more)
                .any(|&(h, n)| h == hash && n == name)
        {
            return false;
        }
        self.bits |= bit;
        match self.seen.get_mut(self.len) {
            Some(slot) => {
                *slot = (hash, name);
                self.len += 1;
            }
            None => self.more.push((hash, name)),
        }
        true
    }
}
