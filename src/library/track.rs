//! What taggenius knows of a track, whatever library format it came from, and the key under
//! which its blueprint is cached.

use serde::Serialize;

/// The metadata sent to a provider: the track's identity plus the hints a tagger uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackInfo {
    pub artist: String,
    pub title: String,
    pub genre: String,
    pub year: String,
    pub bpm: Option<f64>,
    pub key: String,
    pub label: String,
}

impl TrackInfo {
    /// The blueprint cache key: artist and title folded so that the same recording found in
    /// two libraries, or spelled a little differently, is asked for once.
    pub fn cache_key(&self) -> String {
        cache_key(&self.artist, &self.title)
    }

    pub fn is_identifiable(&self) -> bool {
        !self.title.trim().is_empty()
    }
}

/// Folds case, whitespace and `feat.`/`ft.`/`featuring` credits, and Unicode spelling
/// (composed or decomposed accents: file names on macOS are decomposed); keeps mix names,
/// since an extended mix and a radio edit are tagged differently.
/// Built in one string: a re-render folds a key for every track of the library.
pub fn cache_key(artist: &str, title: &str) -> String {
    let key = folded_key(artist, title);
    if key.is_ascii() {
        key
    } else {
        composed(key)
    }
}

/// `text` in Unicode's composed form (NFC). A key folded by an earlier release becomes the key
/// this one folds by composing it, which is how the cache migrates its keys.
pub fn composed(text: String) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

fn folded_key(artist: &str, title: &str) -> String {
    let mut key = String::with_capacity(artist.len() + title.len() + 1);
    fold_into(&mut key, artist);
    if let Some(at) = find_featuring(&key) {
        let kept = key[..at].trim_end().len();
        key.truncate(kept);
    }
    key.push('\u{1f}');
    let title_start = key.len();
    fold_into(&mut key, title);
    // Rare: a credit in the title, with brackets and what follows to sort out.
    if find_featuring(&key[title_start..]).is_some() {
        let title = fold_title(title);
        key.truncate(title_start);
        key.push_str(&title);
    }
    key
}

/// Drops a featuring credit from a title, whether bare or in brackets, and keeps what follows
/// a bracketed credit ("Song (feat. X) (Extended Mix)" keeps the mix).
fn fold_title(title: &str) -> String {
    let folded = fold(title);
    let Some(at) = find_featuring(&folded) else {
        return folded;
    };
    let (head, tail) = folded.split_at(at);
    let head = head.trim_end();
    let (head, closer) = match head.strip_suffix(['(', '[']) {
        Some(inner) => (
            inner.trim_end(),
            if head.ends_with('(') { ')' } else { ']' },
        ),
        None => (head, '\0'),
    };
    let rest = match tail.find(closer) {
        Some(end) if closer != '\0' => tail[end + 1..].trim_start(),
        _ => "",
    };
    [head, rest]
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-cases and folds runs of white space into one space, in one pass.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(&mut out, text);
    out
}

fn fold_into(out: &mut String, text: &str) {
    let start = out.len();
    if text.is_ascii() {
        // Word by word, lower-cased in one pass at the end: most names are ASCII, and this is
        // several times quicker than splitting on Unicode white space or pushing byte by byte.
        // The same white space as Unicode's within ASCII (it counts U+000B; is_ascii_whitespace
        // does not).
        let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            let word_start = i;
            while i < bytes.len() && !is_space(bytes[i]) {
                i += 1;
            }
            if word_start < i {
                if out.len() > start {
                    out.push(' ');
                }
                out.push_str(&text[word_start..i]);
            }
        }
        out[start..].make_ascii_lowercase();
        return;
    }
    for word in text.split_whitespace() {
        if out.len() > start {
            out.push(' ');
        }
        // Only a word with a non-ASCII letter needs Unicode's rules (and a string of its own).
        if word.is_ascii() {
            let word_start = out.len();
            out.push_str(word);
            out[word_start..].make_ascii_lowercase();
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
}

/// Byte offset of a featuring credit in already folded text: a marker that starts a word
/// (after a space or an opening bracket), never at the very start.
fn find_featuring(folded: &str) -> Option<usize> {
    const MARKERS: [&str; 5] = ["feat.", "feat ", "ft.", "ft ", "featuring "];
    let bytes = folded.as_bytes();
    // Most names hold no credit: every marker has "ft" or "feat" in it, and looking for an `f`
    // followed by either is cheaper than setting up two substring searches per name.
    let credit = memchr::memchr_iter(b'f', bytes).any(|i| {
        matches!(
            bytes.get(i + 1..),
            Some([b't', ..] | [b'e', b'a', b't', ..])
        )
    });
    if !credit {
        return None;
    }
    MARKERS
        .iter()
        .flat_map(|marker| folded.match_indices(marker).map(|(i, _)| i))
        .filter(|&i| i > 0 && matches!(bytes[i - 1], b' ' | b'(' | b'['))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_whitespace_and_featuring_fold_together() {
        let plain = cache_key("Daft Punk", "One More Time");
        assert_eq!(cache_key("  daft   PUNK ", "one more  time"), plain);
        assert_eq!(
            cache_key("Daft Punk feat. Romanthony", "One More Time"),
            plain
        );
        assert_eq!(
            cache_key("Daft Punk ft. Romanthony", "One More Time"),
            plain
        );
        assert_eq!(
            cache_key("Daft Punk", "One More Time (feat. Romanthony)"),
            plain
        );
        assert_eq!(cache_key("Daft Punk", "One More Time ft Romanthony"), plain);
    }

    #[test]
    fn keys_match_the_first_release_so_old_caches_still_hit() {
        // The key as taggenius 0.1 built it; caches store keys, so they must never drift.
        fn first_release_fold(text: &str) -> String {
            let mut out = String::with_capacity(text.len());
            for word in text.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                if word.is_ascii() {
                    out.extend(word.bytes().map(|b| b.to_ascii_lowercase() as char));
                } else {
                    out.push_str(&word.to_lowercase());
                }
            }
            out
        }
        let first_release = |artist: &str, title: &str| {
            let artist = first_release_fold(artist);
            let artist = match find_featuring(&artist) {
                Some(at) => artist[..at].trim_end().to_string(),
                None => artist,
            };
            format!("{artist}\u{1f}{}", fold_title(title))
        };
        let names = [
            "",
            " ",
            "Daft Punk",
            "  daft   PUNK ",
            "Feat. X",
            "A feat. B",
            "A (feat. B) C",
            "Song [ft. Guest] (Extended Mix)",
            "ÉTÉ  Ünïcode\tTabs",
            "Left Feet",
            "ft",
            "a ft",
            "x featuring y (dub)",
            "Sœur ft. Æther",
            "(feat. only)",
            "A\u{a0}B",
            "a\x0Bb\x0Cc",
            " \r\nTabs\t ",
            "ÀB  cD",
            "x\u{3000}y",
            "Mr.\x1FX",
            "ΟΔΥΣΣΕΥΣ ΣΟΦΙΑ",
            "Σ aΣ Σa",
            "İstanbul ẞ Ǆemal",
        ];
        for name in names {
            assert_eq!(fold(name), first_release_fold(name), "{name:?}");
        }
        for artist in names {
            for title in names {
                assert_eq!(cache_key(artist, title), first_release(artist, title));
            }
        }
    }

    #[test]
    fn composed_and_decomposed_spellings_share_a_key() {
        let composed_key = cache_key("Caf\u{e9} Del Mar", "Se\u{f1}orita");
        let decomposed_key = cache_key("Cafe\u{301} Del Mar", "Sen\u{303}orita");
        assert_eq!(composed_key, decomposed_key);
        assert_eq!(composed_key, "caf\u{e9} del mar\u{1f}se\u{f1}orita");
        assert_eq!(composed("cafe\u{301}".to_string()), "caf\u{e9}");
    }

    #[test]
    fn mix_names_are_kept() {
        let radio = cache_key("Artist", "Song");
        let extended = cache_key("Artist", "Song (Extended Mix)");
        assert_ne!(radio, extended);
        assert_eq!(
            cache_key("Artist", "Song (feat. Guest) (Extended Mix)"),
            extended
        );
    }

    #[test]
    fn words_that_merely_start_like_feat_are_kept() {
        assert_ne!(cache_key("Feature", "Ft"), cache_key("", ""));
        assert_eq!(fold_title("Left Feet"), "left feet");
        assert_eq!(cache_key("Fatboy Slim", ""), "fatboy slim\u{1f}");
        assert_eq!(cache_key("Ft", "Feat"), "ft\u{1f}feat");
    }
}
