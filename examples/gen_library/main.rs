//! Synthetic rekordbox 7 XML library generator, for benchmarks and tests.
//!
//! ```text
//! cargo run --release --example gen_library -- --tracks N [--seed S] [--nml | --vdj [--crlf]] [-o FILE]
//! ```
//!
//! `--nml` writes the same tracks as a Traktor collection.nml instead (see nml.rs), `--vdj` as
//! a VirtualDJ database.xml (see vdj.rs; `--crlf` for Windows line endings).
//!
//! Writes (to standard output by default) a library of N tracks laid out the way rekordbox
//! itself writes its XML export: CRLF line endings, the XML declaration followed by a blank
//! line, TRACK attributes in rekordbox's order and wrapped the way its XML writer wraps them
//! (a new line once more than 60 bytes of attributes were written on the current line,
//! continuation lines indented to one column past the tag name), TEMPO and POSITION_MARK
//! children, character entities, non-ASCII text, percent-encoded `file://localhost/` Locations,
//! and a PLAYLISTS tree with folders and playlists.
//!
//! About 10% of the tracks repeat an earlier track's artist and title (the same recording kept
//! in two folders: another TrackID and Location). All names are invented. The output depends
//! only on N and the seed.

mod nml;
mod vdj;

/// What file the tracks are written as.
#[derive(Clone, Copy)]
enum Layout {
    Rekordbox,
    Traktor,
    VirtualDj { crlf: bool },
}

use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;

const CRLF: &[u8] = b"\r\n";
/// rekordbox breaks a start tag's line once more than this many bytes of attributes are on it.
const WRAP: usize = 60;

// ---------------------------------------------------------------------------------------------
// PRNG: xorshift64* seeded through splitmix64.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut roll = self.below(total as u64) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------------------------------------
// Invented vocabulary.

struct Genre {
    name: &'static str,
    weight: u32,
    bpm: (u64, u64),
    folder: &'static str,
    electronic: bool,
}

const fn g(
    name: &'static str,
    weight: u32,
    lo: u64,
    hi: u64,
    folder: &'static str,
    electronic: bool,
) -> Genre {
    Genre {
        name,
        weight,
        bpm: (lo, hi),
        folder,
        electronic,
    }
}

const GENRES: &[Genre] = &[
    g("", 22, 75, 140, "Unsorted", false),
    g("House", 10, 118, 128, "House", true),
    g("Deep House", 8, 115, 124, "House", true),
    g("Tech House", 8, 122, 130, "House", true),
    g("Techno", 9, 125, 145, "Techno", true),
    g("Drum & Bass", 6, 170, 176, "Drum & Bass", true),
    g("Dubstep", 3, 138, 142, "Bass", true),
    g("Hip Hop", 6, 80, 100, "Hip Hop", false),
    g("R&B", 4, 62, 104, "R&B", false),
    g("Hip Hop / R&B", 2, 80, 100, "Hip Hop", false),
    g("Disco", 5, 110, 128, "Disco", false),
    g("Nu Disco", 4, 112, 124, "Disco", true),
    g("UK Garage", 4, 128, 136, "UKG", true),
    g("Trance", 4, 132, 142, "Trance", true),
    g("Ambient", 2, 60, 100, "Chill", true),
    g("Pop", 5, 95, 128, "Pop", false),
    g("Rock", 3, 88, 150, "Rock", false),
    g("Reggae", 2, 68, 90, "Reggae", false),
    g("Latin", 3, 90, 110, "Latin", false),
    g("Afro House", 3, 118, 124, "House", true),
    g("Melodic House & Techno", 3, 120, 126, "Techno", true),
    g("Minimal / Deep Tech", 2, 124, 128, "Techno", true),
    g("Electronica", 2, 90, 130, "Chill", true),
    g("Funk / Soul", 2, 92, 116, "Disco", false),
    g("Jazz", 1, 80, 160, "Jazz", false),
    g("Amapiano", 2, 110, 114, "House", true),
    g("Breakbeat", 1, 125, 135, "Bass", true),
    g("Dancehall", 1, 88, 100, "Reggae", false),
    g("Électro", 1, 120, 130, "Techno", true),
];

const FIRST_NAMES: &[&str] = &[
    "Amélie", "Jürgen", "Zoé", "Søren", "José", "Björn", "Naïma", "Renée", "Kenji", "Ayumi",
    "Marco", "Lena", "Theo", "Nadia", "Felix", "Ines", "Oskar", "Maya", "Luca", "Sofia", "Hugo",
    "Clara", "Elias", "Mira", "Jonas", "Yara", "Rafael", "Greta", "Omar", "Lotte", "Dario",
    "Frida", "Tomás", "Chloé", "Malik", "Ida", "Nico", "Aiko", "Leon", "Pia",
];

const LAST_NAMES: &[&str] = &[
    "Weiß",
    "Müller",
    "Dubois",
    "O'Connor",
    "Nakamura",
    "Lindqvist",
    "Straßmann",
    "García",
    "Ødegaard",
    "Moreau",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Novak",
    "Brandt",
    "Silva",
    "Okafor",
    "Jansen",
    "Fontaine",
    "Yamamoto",
    "Petrov",
    "Andersson",
    "Castillo",
    "Köhler",
    "D'Angelo",
    "Vogel",
    "Mensah",
    "Laurent",
    "Tanaka",
    "Schäfer",
];

const ALIASES: &[&str] = &[
    "Nightcrawler",
    "Vektorfeld",
    "Lumière",
    "Mondträume",
    "Sonnenkind",
    "Polar Echo",
    "Glasshaus",
    "Midnight Kollektiv",
    "Dr. Groove",
    "Basswerk",
    "Señor Ritmo",
    "Cosmo Fräulein",
    "夜光",
    "東京 Sound Lab",
    "日本 Disco Club",
    "Pulse Theory",
    "Analog Hearts",
    "Mo'Funk",
    "Deep & Dark",
    "Low Tide",
    "Sunday Service",
    "Vinyl Ghost",
    "Mr \"Smooth\"",
    "Kaleidoscope",
    "Subtropic",
    "Café Tropical",
    "Øresund",
    "Hypnos",
    "Lazy Sunday",
    "Static Bloom",
    "Aurora Borealis",
    "Brass Monkey Unit",
    "Über Klang",
    "Lost Frequencies Club",
    "Rue de Lyon",
    "Tape Loop",
    "Yūgen",
    "North Atlantic",
];

const ADJECTIVES: &[&str] = &[
    "Midnight",
    "Golden",
    "Electric",
    "Deep",
    "Lost",
    "Crystal",
    "Velvet",
    "Neon",
    "Broken",
    "Endless",
    "Über",
    "Silver",
    "Hidden",
    "Wild",
    "Secret",
    "Summer",
    "Frozen",
    "Burning",
    "Liquid",
    "Cosmic",
    "Tropical",
    "Analog",
    "Slow",
    "Late Night",
    "Sweet",
    "Dark",
    "Holy",
    "Blue",
    "Little",
    "Heavy",
    "Süße",
    "Dernière",
    "Bella",
    "Schöne",
    "Sacred",
    "Rainy",
];

const NOUNS: &[&str] = &[
    "Drive",
    "Dreams",
    "City",
    "Horizon",
    "Groove",
    "Signal",
    "Garden",
    "Straße",
    "Fiesta",
    "Heartbeat",
    "Paradise",
    "Machine",
    "Rhythm",
    "Sunrise",
    "Ocean",
    "Fever",
    "Lights",
    "Memories",
    "Tides",
    "Motion",
    "Voices",
    "Love",
    "Highway",
    "Dance",
    "Frequency",
    "Soul",
    "Nights",
    "Satellite",
    "Mirage",
    "Pressure",
    "Embrace",
    "Café",
    "Nacht",
    "Fantasía",
    "Sommer",
    "Echoes",
    "Connection",
    "Shadows",
];

const PHRASES: &[&str] = &[
    "Don't Let Go",
    "I Can't Stop",
    "Take Me Higher",
    "Rock & Roll Tonight",
    "You & Me",
    "Ain't No Sunshine Here",
    "We Came To Dance",
    "Feel It",
    "Move Your Body",
    "Hold On",
    "One More Time Again",
    "Where We Belong",
    "Say \"Yes\"",
    "It's Alright",
    "Let's Go Back",
    "Je T'aime Encore",
    "Ça Va Bien",
    "Über Den Wolken",
    "夜の街",
    "東京 Nights",
    "さくら",
    "Good Times & Bad",
    "Naïve",
    "Mañana",
];

const LABELS: &[&str] = &[
    "Nachtwerk Records",
    "Sunset Tapes",
    "Kühl Audio",
    "Deep & Dark Recordings",
    "L'Été Musique",
    "東京 Records",
    "Warehouse Cuts",
    "Late Bloom",
    "Blue Lagoon Music",
    "Concrete Jungle",
    "Selector's Choice",
    "Disco Fever Ltd",
    "Analogue Society",
    "Vinyl Only",
    "Südpol",
    "Off Grid",
    "Quiet Storm",
    "Brick & Mortar",
];

const MY_TAGS: &[&str] = &[
    "/* Dark */",
    "/* Groovy / Vocal */",
    "/* Warmup */",
    "/* Peak / Banger */",
    "/* Atmospheric / Groovy */",
    "/* Closing / Emotional */",
    "/* Acid */",
    "/* Sunset / Chill */",
];

const USER_COMMENTS: &[&str] = &[
    "Great opener",
    "Don't play before 1am",
    "Whatta classic",
    "Mix out at 5:30",
    "From the \"Sunday\" set",
    "Bought @ record fair",
    "Vocal in & out at 3:10",
    "Key clash w/ next track",
    "Purchased via Beatport",
    "Ripped from vinyl, some crackle",
    "Très bien – use with care",
    "Für den Sonnenaufgang",
    "Energy 8",
    "https://example.com/track-notes",
];

const CAMELOT: &[&str] = &[
    "1A", "2A", "3A", "4A", "5A", "6A", "7A", "8A", "9A", "10A", "11A", "12A", "1B", "2B", "3B",
    "4B", "5B", "6B", "7B", "8B", "9B", "10B", "11B", "12B",
];

const CLASSIC_KEYS: &[&str] = &[
    "Am", "Dbm", "F#m", "Ebm", "C", "G", "Ab", "Dm", "Bbm", "E", "Fm", "Gm",
];

/// (Kind, extension, bit rates).
type Format = (&'static str, &'static str, &'static [u64]);

/// Formats with their weights.
const FORMATS: &[(Format, u32)] = &[
    (("MP3 File", "mp3", &[320, 320, 320, 256, 192, 160]), 64),
    (("M4A File", "m4a", &[256, 320]), 10),
    (("WAV File", "wav", &[1411]), 10),
    (("AIFF File", "aiff", &[1411]), 9),
    (("FLAC File", "flac", &[870, 905, 1011]), 7),
];

const FOLDERS: &[&str] = &[
    "Music/Library",
    "Music/PioneerDJ/Imported from Device/Contents",
    "Music/Downloads/Beatport",
    "Music/Vinyl Rips",
    "Music/Bandcamp",
    "Music/Promos",
];

const CUE_COLOURS: &[(u8, u8, u8)] = &[
    (40, 226, 20),
    (230, 40, 40),
    (255, 55, 111),
    (0, 224, 255),
    (222, 68, 207),
    (255, 140, 0),
    (48, 90, 255),
    (195, 175, 4),
];

/// Hot cue names (mostly unnamed, as in real libraries).
const CUE_NAMES: &[&str] = &["", "", "", "Drop", "Intro", "Vocal", "Break"];
const LOOP_NAMES: &[&str] = &["", "Loop", "mix loop"];

const TRACK_COLOURS: &[&str] = &[
    "0xFF007F", "0xFFA500", "0xFFFF00", "0x00FF00", "0x25FDE9", "0x0000FF", "0x660099", "0xFF0000",
];

// ---------------------------------------------------------------------------------------------
// Writer: rekordbox's XML layout.

fn escape_into(out: &mut Vec<u8>, value: &str) {
    for &b in value.as_bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            b'\t' | b'\n' | b'\r' => {
                let _ = write!(out, "&#{};", b);
            }
            _ => out.push(b),
        }
    }
}

/// A `file://localhost/` Location's path with its `%XX` escapes decoded, as the formats that
/// keep plain paths write it.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `<name a="…" …`, each value escaped by `escape`, for the formats that write a start tag on
/// one line; the caller closes it.
fn open_tag(out: &mut Vec<u8>, name: &str, attrs: &[(&str, &str)], escape: fn(&mut Vec<u8>, &str)) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for (key, value) in attrs {
        out.push(b' ');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"=\"");
        escape(out, value);
        out.push(b'"');
    }
}

fn spaces(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

/// Writes `<name a="…" …` with rekordbox's wrapping, then `/>` or `>` and CRLF.
fn start_tag(out: &mut Vec<u8>, indent: usize, name: &str, attrs: &[(&str, &str)], empty: bool) {
    spaces(out, indent);
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    let continuation = indent + name.len() + 1;
    let mut line = 0;
    for (key, value) in attrs {
        if line > WRAP {
            out.extend_from_slice(CRLF);
            spaces(out, continuation);
            line = 0;
        }
        let start = out.len();
        out.push(b' ');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_into(out, value);
        out.push(b'"');
        line += out.len() - start;
    }
    out.extend_from_slice(if empty { b"/>\r\n" } else { b">\r\n" });
}

fn end_tag(out: &mut Vec<u8>, indent: usize, name: &str) {
    spaces(out, indent);
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b">\r\n");
}

/// Percent-encodes a path the way rekordbox writes Location (UTF-8 bytes, `/` kept).
fn url_path_into(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-_.~()!,;:=+@$*".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// Keeps file-name-safe characters of a name (as a tagger would when naming files).
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            _ => c,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Track model.

struct Track {
    id: u32,
    name: String,
    artist: String,
    composer: String,
    album: String,
    grouping: &'static str,
    genre: usize,
    kind: &'static str,
    ext: &'static str,
    size: u64,
    total_time: u64,
    disc: u64,
    track_no: u64,
    year: u64,
    bpm_centi: u64,
    date_added: String,
    bit_rate: u64,
    sample_rate: u64,
    comments: String,
    play_count: u64,
    rating: u64,
    location: String,
    remixer: String,
    tonality: &'static str,
    label: &'static str,
    mix: &'static str,
    colour: Option<&'static str>,
    tempo: Vec<(u64, u64, u64)>, // (inizio ms, bpm centi, battito)
    marks: Vec<Mark>,
}

struct Mark {
    name: &'static str,
    kind: u8,
    start_ms: u64,
    end_ms: Option<u64>,
    num: i32,
    colour: Option<(u8, u8, u8)>,
}

fn genre_weights() -> Vec<(usize, u32)> {
    GENRES
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g.weight))
        .collect()
}

fn make_artists(rng: &mut Rng, count: usize) -> Vec<String> {
    let mut artists: Vec<String> = Vec::with_capacity(count);
    // Solo names, which collaborations are made of.
    let mut solo: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut misses = 0u32;
    while artists.len() < count {
        let roll = rng.below(100);
        let (name, is_solo) = if roll < 78 || solo.len() < 4 {
            let name = match roll % 8 {
                0..=3 => format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)),
                4 => rng.pick(ALIASES).to_string(),
                5 => format!(
                    "{} {}",
                    rng.pick(ALIASES),
                    rng.pick(&["II", "Sound", "Crew", "Live", "Duo", "Orchestra"])
                ),
                6 => format!("DJ {}", rng.pick(LAST_NAMES)),
                _ => format!("The {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
            };
            (name, true)
        } else {
            let a = rng.pick(&solo[..]).clone();
            let b = rng.pick(&solo[..]).clone();
            let joiner = *rng.pick(&[" & ", " & ", " feat. ", ", ", " x "]);
            (format!("{a}{joiner}{b}"), false)
        };
        if seen.insert(name.clone()) {
            misses = 0;
            if is_solo {
                solo.push(name.clone());
            }
            artists.push(name);
        } else {
            misses += 1;
            if misses > 50 {
                // The word pools are finite: number a repeated name to keep going.
                let numbered = format!("{name} {}", artists.len());
                if seen.insert(numbered.clone()) {
                    artists.push(numbered);
                }
                misses = 0;
            }
        }
    }
    artists
}

fn make_title(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=44 => format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
        45..=59 => rng.pick(NOUNS).to_string(),
        60..=74 => rng.pick(PHRASES).to_string(),
        75..=84 => format!("The {} Of {}", rng.pick(NOUNS), rng.pick(NOUNS)),
        85..=92 => format!(
            "{} {} {}",
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(NOUNS)
        ),
        _ => format!("{} {}", rng.pick(PHRASES), rng.pick(NOUNS)),
    }
}

fn date(rng: &mut Rng) -> String {
    let year = rng.range(2015, 2025);
    // Nothing added after the (fixed) export date, 2025-10-31.
    let month = rng.range(1, if year == 2025 { 10 } else { 12 });
    let day = rng.range(1, 28);
    format!("{year:04}-{month:02}-{day:02}")
}

fn make_location(rng: &mut Rng, t: &Track, genre: &Genre) -> String {
    let user = *rng.pick(&["dj", "selector", "jürgen", "maya"]);
    let folder = *rng.pick(FOLDERS);
    let album = if t.album.is_empty() {
        "Singles".to_string()
    } else {
        file_safe(&t.album)
    };
    let artist = if t.artist.is_empty() {
        "Unknown Artist".to_string()
    } else {
        file_safe(&t.artist)
    };
    let path = format!(
        "/Users/{user}/{folder}/{}/{artist}/{album}/{:02} {artist} - {}.{}",
        genre.folder,
        t.track_no,
        file_safe(&t.name),
        t.ext
    );
    let mut out = String::with_capacity(path.len() + 64);
    out.push_str("file://localhost");
    url_path_into(&mut out, &path);
    out
}

fn make_track(
    rng: &mut Rng,
    id: u32,
    artists: &[String],
    weights: &[(usize, u32)],
    original: Option<&Track>,
) -> Track {
    let &(kind, ext, rates) = rng.weighted(FORMATS);
    let bit_rate = *rng.pick(rates);
    let mut t = Track {
        id,
        name: String::new(),
        artist: String::new(),
        composer: String::new(),
        album: String::new(),
        grouping: "",
        genre: 0,
        kind,
        ext,
        size: 0,
        total_time: 0,
        disc: 0,
        track_no: 0,
        year: 0,
        bpm_centi: 0,
        date_added: date(rng),
        bit_rate,
        sample_rate: if rng.chance(850) { 44100 } else { 48000 },
        comments: String::new(),
        play_count: if rng.chance(450) { 0 } else { rng.range(1, 60) },
        rating: *rng.weighted(&[(0, 60), (51, 6), (102, 8), (153, 10), (204, 9), (255, 7)]),
        location: String::new(),
        remixer: String::new(),
        tonality: "",
        label: "",
        mix: "",
        colour: None,
        tempo: Vec::new(),
        marks: Vec::new(),
    };

    if let Some(o) = original {
        // The same recording again, in another folder (maybe another format).
        t.name = o.name.clone();
        t.artist = o.artist.clone();
        t.composer = o.composer.clone();
        t.album = o.album.clone();
        t.genre = o.genre;
        t.year = o.year;
        t.bpm_centi = o.bpm_centi;
        t.total_time = o.total_time;
        t.disc = o.disc;
        t.track_no = o.track_no;
        t.remixer = o.remixer.clone();
        t.tonality = o.tonality;
        t.label = o.label;
        t.mix = o.mix;
        if rng.chance(500) {
            t.comments = o.comments.clone();
        }
    } else {
        let genre_index = *rng.weighted(weights);
        let genre = &GENRES[genre_index];
        t.genre = genre_index;
        t.artist = if rng.chance(15) {
            String::new()
        } else {
            rng.pick(artists).clone()
        };
        let title = make_title(rng);
        let electronic = genre.electronic;
        let (name, mix, remixer) = match rng.below(100) {
            0..=29 if electronic => (format!("{title} (Original Mix)"), "Original Mix", None),
            30..=41 if electronic => (format!("{title} (Extended Mix)"), "Extended Mix", None),
            42..=53 => {
                let who = rng.pick(artists).clone();
                (format!("{title} ({who} Remix)"), "", Some(who))
            }
            54..=57 => (format!("{title} (Dub Mix)"), "", None),
            58..=62 => (format!("{title} (Radio Edit)"), "", None),
            63..=65 => {
                let year = rng.range(1995, 2022);
                (format!("{title} - Remastered {year}"), "", None)
            }
            66..=67 => (format!("{title} (Club Mix)"), "Club Mix", None),
            _ => (title.clone(), "", None),
        };
        t.name = name;
        // rekordbox fills Mix only when the file's tags carry it.
        t.mix = if rng.chance(300) { mix } else { "" };
        t.remixer = match remixer {
            Some(who) if rng.chance(600) => who,
            _ => String::new(),
        };
        t.composer = if rng.chance(150) {
            format!(
                "{} {};{} {}",
                rng.pick(FIRST_NAMES),
                rng.pick(LAST_NAMES),
                rng.pick(FIRST_NAMES),
                rng.pick(LAST_NAMES)
            )
        } else {
            String::new()
        };
        t.album = match rng.below(100) {
            0..=34 => title.clone(),
            35..=49 => format!("{} EP", rng.pick(NOUNS)),
            50..=64 => format!(
                "{} Sessions {}",
                rng.pick(&["Summer", "Winter", "Ibiza", "Berlin", "Tokyo", "Miami"]),
                rng.range(1998, 2024)
            ),
            65..=79 => format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
            _ => String::new(),
        };
        t.year = if rng.chance(130) {
            0
        } else if rng.chance(620) {
            rng.range(2010, 2024)
        } else {
            rng.range(1970, 2009)
        };
        t.bpm_centi = if rng.chance(25) {
            0
        } else {
            let whole = rng.range(genre.bpm.0, genre.bpm.1);
            let frac = if rng.chance(650) { 0 } else { rng.below(100) };
            whole * 100 + frac
        };
        t.total_time = if electronic {
            rng.range(180, 520)
        } else {
            rng.range(130, 330)
        };
        t.disc = if rng.chance(400) { 0 } else { 1 };
        t.track_no = if rng.chance(250) { 0 } else { rng.range(1, 14) };
        t.tonality = match rng.below(100) {
            0..=9 => "",
            10..=14 => *rng.pick(CLASSIC_KEYS),
            _ => *rng.pick(CAMELOT),
        };
        t.label = if rng.chance(300) {
            ""
        } else {
            *rng.pick(LABELS)
        };
        t.comments = match rng.below(100) {
            0..=54 => String::new(),
            55..=66 => rng.pick(MY_TAGS).to_string(),
            67..=81 => rng.pick(USER_COMMENTS).to_string(),
            82..=89 => format!("{} {}", rng.pick(USER_COMMENTS), rng.pick(MY_TAGS)),
            90..=94 => format!(" {}", rng.pick(MY_TAGS)),
            _ => format!("{} {}", rng.pick(MY_TAGS), rng.pick(MY_TAGS)),
        };
    }

    t.grouping = if rng.chance(60) {
        *rng.pick(&["Warmup", "Peak", "Classics", "Edits"])
    } else {
        ""
    };
    t.size = t.total_time * t.bit_rate * 125 + rng.range(20_000, 900_000);
    if rng.chance(60) {
        t.colour = Some(*rng.pick(TRACK_COLOURS));
    }

    // Analysis data: most tracks have a beat grid, some have cues and loops.
    if t.bpm_centi > 0 && rng.chance(780) {
        let inizio = rng.range(0, 900);
        t.tempo.push((inizio, t.bpm_centi, rng.range(1, 4)));
        if rng.chance(120) {
            // A variable beat grid: a few more markers along the track.
            let beat_ms = 6_000_000 / t.bpm_centi.max(1);
            let mut at = inizio + beat_ms * rng.range(16, 64);
            for battito in 1..=rng.range(2, 8) {
                t.tempo.push((at, t.bpm_centi, (battito % 4) + 1));
                at += beat_ms;
            }
        }
        if rng.chance(420) {
            let length = t.total_time * 1000;
            let beat_ms = 6_000_000 / t.bpm_centi.max(1);
            let mut num = 0;
            for _ in 0..rng.range(1, 5) {
                let start = inizio + beat_ms * 4 * rng.range(0, (length / beat_ms / 4).max(1));
                match rng.below(10) {
                    0..=3 => t.marks.push(Mark {
                        name: "",
                        kind: 0,
                        start_ms: start,
                        end_ms: None,
                        num: -1,
                        colour: None,
                    }),
                    4..=7 => {
                        t.marks.push(Mark {
                            name: rng.choose(CUE_NAMES),
                            kind: 0,
                            start_ms: start,
                            end_ms: None,
                            num,
                            colour: Some(*rng.pick(CUE_COLOURS)),
                        });
                        num += 1;
                    }
                    _ => {
                        t.marks.push(Mark {
                            name: rng.choose(LOOP_NAMES),
                            kind: 4,
                            start_ms: start,
                            end_ms: Some(start + beat_ms * 8),
                            num,
                            colour: Some(*rng.pick(CUE_COLOURS)),
                        });
                        num += 1;
                    }
                }
            }
        }
    }

    let genre = &GENRES[t.genre];
    t.location = make_location(rng, &t, genre);
    t
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn centi(value: u64) -> String {
    format!("{}.{:02}", value / 100, value % 100)
}

fn write_track(out: &mut Vec<u8>, t: &Track) {
    let id = t.id.to_string();
    let size = t.size.to_string();
    let total = t.total_time.to_string();
    let disc = t.disc.to_string();
    let track_no = t.track_no.to_string();
    let year = t.year.to_string();
    let bpm = centi(t.bpm_centi);
    let bit_rate = t.bit_rate.to_string();
    let sample_rate = t.sample_rate.to_string();
    let play_count = t.play_count.to_string();
    let rating = t.rating.to_string();
    let mut attrs: Vec<(&str, &str)> = vec![
        ("TrackID", &id),
        ("Name", &t.name),
        ("Artist", &t.artist),
        ("Composer", &t.composer),
        ("Album", &t.album),
        ("Grouping", t.grouping),
        ("Genre", GENRES[t.genre].name),
        ("Kind", t.kind),
        ("Size", &size),
        ("TotalTime", &total),
        ("DiscNumber", &disc),
        ("TrackNumber", &track_no),
        ("Year", &year),
        ("AverageBpm", &bpm),
        ("DateAdded", &t.date_added),
        ("BitRate", &bit_rate),
        ("SampleRate", &sample_rate),
        ("Comments", &t.comments),
        ("PlayCount", &play_count),
        ("Rating", &rating),
        ("Location", &t.location),
        ("Remixer", &t.remixer),
        ("Tonality", t.tonality),
        ("Label", t.label),
        ("Mix", t.mix),
    ];
    if let Some(colour) = t.colour {
        attrs.push(("Colour", colour));
    }
    let empty = t.tempo.is_empty() && t.marks.is_empty();
    start_tag(out, 4, "TRACK", &attrs, empty);
    if empty {
        return;
    }
    for &(inizio, bpm, battito) in &t.tempo {
        let inizio = seconds(inizio);
        let bpm = centi(bpm);
        let battito = battito.to_string();
        start_tag(
            out,
            6,
            "TEMPO",
            &[
                ("Inizio", &inizio),
                ("Bpm", &bpm),
                ("Metro", "4/4"),
                ("Battito", &battito),
            ],
            true,
        );
    }
    for mark in &t.marks {
        let kind = mark.kind.to_string();
        let start = seconds(mark.start_ms);
        let end = mark.end_ms.map(seconds);
        let num = mark.num.to_string();
        let (r, g, b) = mark.colour.unwrap_or_default();
        let (r, g, b) = (r.to_string(), g.to_string(), b.to_string());
        let mut attrs: Vec<(&str, &str)> =
            vec![("Name", mark.name), ("Type", &kind), ("Start", &start)];
        if let Some(end) = &end {
            attrs.push(("End", end));
        }
        attrs.push(("Num", &num));
        if mark.colour.is_some() {
            attrs.push(("Red", &r));
            attrs.push(("Green", &g));
            attrs.push(("Blue", &b));
        }
        start_tag(out, 6, "POSITION_MARK", &attrs, true);
    }
    end_tag(out, 4, "TRACK");
}

// ---------------------------------------------------------------------------------------------
// Playlists.

enum Node {
    Folder(String, Vec<Node>),
    Playlist(String, Vec<u32>),
}

fn write_node(out: &mut Vec<u8>, indent: usize, node: &Node, root: bool) {
    match node {
        Node::Folder(name, children) => {
            let count = children.len().to_string();
            let attrs: [(&str, &str); 3] = if root {
                [("Type", "0"), ("Name", name), ("Count", &count)]
            } else {
                [("Name", name), ("Type", "0"), ("Count", &count)]
            };
            start_tag(out, indent, "NODE", &attrs, children.is_empty());
            if !children.is_empty() {
                for child in children {
                    write_node(out, indent + 2, child, false);
                }
                end_tag(out, indent, "NODE");
            }
        }
        Node::Playlist(name, keys) => {
            let entries = keys.len().to_string();
            let attrs = [
                ("Name", name.as_str()),
                ("Type", "1"),
                ("KeyType", "0"),
                ("Entries", &entries),
            ];
            start_tag(out, indent, "NODE", &attrs, keys.is_empty());
            if !keys.is_empty() {
                let mut line = String::new();
                for key in keys {
                    use std::fmt::Write as _;
                    line.clear();
                    let _ = write!(line, "<TRACK Key=\"{key}\"/>");
                    spaces(out, indent + 2);
                    out.extend_from_slice(line.as_bytes());
                    out.extend_from_slice(CRLF);
                }
                end_tag(out, indent, "NODE");
            }
        }
    }
}

fn sample(rng: &mut Rng, tracks: &[Track], count: usize) -> Vec<u32> {
    (0..count.min(tracks.len()))
        .map(|_| rng.pick(tracks).id)
        .collect()
}

fn make_playlists(rng: &mut Rng, tracks: &[Track]) -> Node {
    let n = tracks.len();
    // One playlist per genre, in collection order.
    let mut by_genre: Vec<Vec<u32>> = vec![Vec::new(); GENRES.len()];
    for t in tracks {
        if rng.chance(850) {
            by_genre[t.genre].push(t.id);
        }
    }
    let genre_lists: Vec<Node> = GENRES
        .iter()
        .zip(by_genre)
        .filter(|(g, _)| !g.name.is_empty())
        .map(|(g, ids)| Node::Playlist(g.name.to_string(), ids))
        .collect();

    // Gigs: year folders holding set lists.
    let sets_per_year = if n == 0 { 0 } else { (n / 1000).clamp(1, 100) };
    let venues = [
        "Warehouse",
        "Rooftop",
        "Beach Bar",
        "Club Nacht",
        "Wedding",
        "Radio Show",
        "Café Müller",
        "B2B w/ Søren",
        "Boiler Room",
    ];
    let mut years: Vec<Node> = Vec::new();
    for year in 2021..=2024 {
        let mut lists = Vec::new();
        for _ in 0..sets_per_year {
            let name = format!(
                "{year}-{:02}-{:02} {}",
                rng.range(1, 12),
                rng.range(1, 28),
                rng.pick(&venues)
            );
            let count = rng.range(12, 40) as usize;
            lists.push(Node::Playlist(name, sample(rng, tracks, count)));
        }
        years.push(Node::Folder(year.to_string(), lists));
    }

    let crates = [
        "Warmup",
        "Peak Time",
        "Closing",
        "Bangers ★",
        "Edits & Bootlegs",
        "L'été",
        "Ü30 Party",
        "\"Secret\" Weapons",
        "日本のディスコ",
    ];
    let crate_lists: Vec<Node> = crates
        .iter()
        .map(|name| {
            let count = (n / 60).max(3) + rng.below(10) as usize;
            Node::Playlist(name.to_string(), sample(rng, tracks, count))
        })
        .collect();

    let favourites = sample(rng, tracks, (n / 40).max(2));
    let to_sort: Vec<u32> = tracks
        .iter()
        .rev()
        .take((n / 50).max(1))
        .map(|t| t.id)
        .collect();

    Node::Folder(
        "ROOT".to_string(),
        vec![
            Node::Folder("Genres".to_string(), genre_lists),
            Node::Folder("Gigs".to_string(), years),
            Node::Folder("Crates".to_string(), crate_lists),
            Node::Playlist("Favourites".to_string(), favourites),
            Node::Playlist("To Sort".to_string(), to_sort),
            Node::Playlist("New Playlist".to_string(), Vec::new()),
            Node::Folder("Imported Playlists".to_string(), Vec::new()),
        ],
    )
}

// ---------------------------------------------------------------------------------------------

fn generate(tracks: usize, seed: u64, layout: Layout) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let weights = genre_weights();
    let artists = make_artists(&mut rng, (tracks / 4).max(40));
    let mut ids = HashSet::with_capacity(tracks);
    let mut collection: Vec<Track> = Vec::with_capacity(tracks);
    let mut originals: Vec<usize> = Vec::with_capacity(tracks);
    for _ in 0..tracks {
        let id = loop {
            let id = rng.range(1_000_000, 268_435_455) as u32;
            if ids.insert(id) {
                break id;
            }
        };
        let repeat = !originals.is_empty() && rng.chance(100);
        let track = if repeat {
            let original = &collection[*rng.pick(&originals)];
            make_track(&mut rng, id, &artists, &weights, Some(original))
        } else {
            originals.push(collection.len());
            make_track(&mut rng, id, &artists, &weights, None)
        };
        collection.push(track);
    }
    match layout {
        Layout::Traktor => return nml::collection(&mut rng, &collection),
        Layout::VirtualDj { crlf } => return vdj::database(&mut rng, &collection, crlf),
        Layout::Rekordbox => {}
    }
    let playlists = make_playlists(&mut rng, &collection);

    let mut out = Vec::with_capacity(tracks * 1100 + 4096);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\r\n");
    start_tag(&mut out, 0, "DJ_PLAYLISTS", &[("Version", "1.0.0")], false);
    start_tag(
        &mut out,
        2,
        "PRODUCT",
        &[
            ("Name", "rekordbox"),
            ("Version", "7.1.3"),
            ("Company", "AlphaTheta"),
        ],
        true,
    );
    let entries = tracks.to_string();
    start_tag(
        &mut out,
        2,
        "COLLECTION",
        &[("Entries", &entries)],
        tracks == 0,
    );
    for t in &collection {
        write_track(&mut out, t);
    }
    if tracks > 0 {
        end_tag(&mut out, 2, "COLLECTION");
    }
    start_tag(&mut out, 2, "PLAYLISTS", &[], false);
    write_node(&mut out, 4, &playlists, true);
    end_tag(&mut out, 2, "PLAYLISTS");
    end_tag(&mut out, 0, "DJ_PLAYLISTS");
    out
}

fn usage() -> ExitCode {
    eprintln!("usage: gen_library --tracks N [--seed S] [--nml | --vdj [--crlf]] [-o FILE]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut tracks: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut output: Option<String> = None;
    let mut layout = Layout::Rekordbox;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| match args.next() {
            Some(v) => Some(v),
            None => {
                eprintln!("gen_library: {what} needs a value");
                None
            }
        };
        match arg.as_str() {
            "--tracks" | "-n" => match value("--tracks").map(|v| v.parse()) {
                Some(Ok(n)) => tracks = Some(n),
                _ => return usage(),
            },
            "--seed" => match value("--seed").map(|v| v.parse()) {
                Some(Ok(s)) => seed = s,
                _ => return usage(),
            },
            "-o" | "--output" => match value("-o") {
                Some(path) => output = Some(path),
                None => return usage(),
            },
            "--nml" => layout = Layout::Traktor,
            "--vdj" => layout = Layout::VirtualDj { crlf: false },
            "--crlf" => layout = Layout::VirtualDj { crlf: true },
            "-h" | "--help" => {
                println!(
                    "usage: gen_library --tracks N [--seed S] [--nml | --vdj [--crlf]] [-o FILE]"
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("gen_library: unknown argument {other:?}");
                return usage();
            }
        }
    }
    let Some(tracks) = tracks else {
        return usage();
    };
    let bytes = generate(tracks, seed, layout);
    let result = match output.as_deref() {
        None | Some("-") => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(&bytes).and_then(|_| lock.flush())
        }
        Some(path) => std::fs::write(path, &bytes),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_library: {e}");
            ExitCode::FAILURE
        }
    }
}
