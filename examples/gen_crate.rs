//! A crate for `taggenius set`: tracks with realistic DJ features, as a library and the
//! blueprints `taggenius cache import` reads, for the set benchmark and tests.
//!
//! ```text
//! cargo run --release --example gen_crate -- --tracks N [--seed S] [--format rekordbox|traktor|vdj]
//!     [--notation camelot|open|classic] -o DIR
//! ```
//!
//! Writes `DIR/library.xml` (rekordbox), `DIR/collection.nml` (Traktor) or `DIR/database.xml`
//! (VirtualDJ), `DIR/blueprints.jsonl`, and `DIR/crate.jsonl`: each track's features (artist,
//! title, file, BPM, Camelot key, seconds, energy, genre) for the set benchmark's anchors. Each genre has its own tempo range and energies
//! (house 118-126 at energies 3-8, techno 124-136 at 5-9, drum & bass 170-176 at 6-10, disco,
//! downtempo, breaks), keys cover the whole wheel, lengths run 3-8 minutes, a third as many
//! artists as tracks with a few of them on many tracks (and some collaborations), and
//! situations follow the energy (Warmup low, Peak Hour high, Closer for a few calm ones). The
//! output depends only on the arguments.

use std::fmt::Write as _;
use std::path::PathBuf;

struct Genre {
    name: &'static str,
    subs: [&'static str; 3],
    bpm: (f64, f64),
    energy: (u64, u64),
    /// Share of the crate, per mille.
    share: u64,
}

const GENRES: [Genre; 6] = [
    Genre {
        name: "House",
        subs: ["Deep House", "Tech House", "Soulful House"],
        bpm: (118.0, 126.0),
        energy: (3, 8),
        share: 350,
    },
    Genre {
        name: "Techno",
        subs: ["Melodic Techno", "Peak Time Techno", "Minimal Techno"],
        bpm: (124.0, 136.0),
        energy: (5, 9),
        share: 250,
    },
    Genre {
        name: "Drum & Bass",
        subs: ["Liquid", "Neurofunk", "Jump Up"],
        bpm: (170.0, 176.0),
        energy: (6, 10),
        share: 100,
    },
    Genre {
        name: "Funk/Soul/Disco",
        subs: ["Nu Disco", "Disco", "Boogie"],
        bpm: (108.0, 124.0),
        energy: (4, 7),
        share: 100,
    },
    Genre {
        name: "Ambient/Downtempo",
        subs: ["Chillout", "Downtempo", "Trip Hop"],
        bpm: (85.0, 110.0),
        energy: (1, 4),
        share: 100,
    },
    Genre {
        name: "Breaks",
        subs: ["Nu Skool Breaks", "Breakbeat", "Electro Breaks"],
        bpm: (125.0, 135.0),
        energy: (5, 8),
        share: 100,
    },
];

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ra", "ven", "tor", "sa", "ni", "ber", "du", "el", "fa", "go", "ri", "zan",
    "mo",
];
const VIBES: [&str; 6] = [
    "Driving",
    "Hypnotic",
    "Uplifting",
    "Dark",
    "Mellow",
    "Energetic",
];
const PARTS: [&str; 5] = ["Vocal", "Instrumental", "Synth", "Piano", "Extended"];
const DECADES: [&str; 3] = ["2000s", "2010s", "2020s"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

struct Track {
    artist: String,
    title: String,
    genre: &'static Genre,
    bpm: f64,
    key: (u8, bool),
    seconds: u64,
    energy: u64,
    situations: Vec<&'static str>,
}

fn artist_name(rng: &mut Rng) -> String {
    let word = |rng: &mut Rng| {
        let n = 2 + rng.below(2);
        let mut w: String = (0..n).map(|_| SYLLABLES[rng.below(16) as usize]).collect();
        w[..1].make_ascii_uppercase();
        w
    };
    match rng.below(3) {
        0 => word(rng),
        _ => format!("{} {}", word(rng), word(rng)),
    }
}

fn track(i: usize, rng: &mut Rng, artists: &[String]) -> Track {
    let mut roll = rng.below(1000);
    let genre = GENRES
        .iter()
        .find(|g| {
            let hit = roll < g.share;
            roll = roll.saturating_sub(g.share);
            hit
        })
        .unwrap_or(&GENRES[0]);
    // A few artists on many tracks: the square skews the pick towards the first ones.
    let pick = |rng: &mut Rng| {
        let u = rng.between(0.0, 1.0);
        &artists[((u * u) * artists.len() as f64) as usize % artists.len()]
    };
    let mut artist = pick(rng).clone();
    if rng.below(20) == 0 {
        artist = format!("{artist} & {}", pick(rng));
    }
    let (lo, hi) = genre.energy;
    let energy = (lo + rng.below(hi - lo + 1) + lo + rng.below(hi - lo + 1)) / 2;
    let mut situations = Vec::new();
    match energy {
        0..=4 => situations.extend(["Warmup", "Lounge"]),
        5..=6 => situations.extend(["Warmup", "Pre-Party"]),
        7..=8 => situations.extend(["Peak Hour", "Handoff"]),
        _ => situations.push("Peak Hour"),
    }
    if (3..=6).contains(&energy) && rng.below(6) == 0 {
        situations.insert(0, "Closer");
    }
    situations.truncate(3);
    Track {
        artist,
        title: format!("Track {i}"),
        genre,
        bpm: (rng.between(genre.bpm.0, genre.bpm.1) * 100.0).round() / 100.0,
        key: (1 + rng.below(12) as u8, rng.below(2) == 0),
        seconds: 180 + rng.below(301),
        energy,
        situations,
    }
}

/// The key in the notation asked for: Camelot (8A), Open Key (1m) or classic (Am).
fn key_text(key: (u8, bool), notation: &str) -> String {
    let (number, minor) = key;
    match notation {
        "open" => format!("{}{}", (number + 4) % 12 + 1, if minor { 'm' } else { 'd' }),
        "classic" => {
            const MAJOR: [&str; 12] = [
                "B", "F#", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E",
            ];
            const MINOR: [&str; 12] = [
                "Abm", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "Dbm",
            ];
            let i = usize::from(number - 1);
            (if minor { MINOR[i] } else { MAJOR[i] }).to_string()
        }
        _ => format!("{number}{}", if minor { 'A' } else { 'B' }),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

fn rekordbox(tracks: &[Track], notation: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<DJ_PLAYLISTS Version=\"1.0.0\">\n  <PRODUCT Name=\"rekordbox\" Version=\"6.6.2\" Company=\"AlphaTheta\"/>\n");
    let _ = writeln!(out, "  <COLLECTION Entries=\"{}\">", tracks.len());
    for (i, t) in tracks.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <TRACK TrackID=\"{}\" Name=\"{}\" Artist=\"{}\" Genre=\"{}\" Kind=\"MP3 File\" TotalTime=\"{}\" AverageBpm=\"{:.2}\" Tonality=\"{}\" Location=\"file://localhost/Music/crate/{:05}.mp3\"/>",
            i + 1, escape(&t.title), escape(&t.artist), escape(t.genre.name), t.seconds, t.bpm, key_text(t.key, notation), i + 1
        );
    }
    out.push_str("  </COLLECTION>\n  <PLAYLISTS>\n    <NODE Type=\"0\" Name=\"ROOT\" Count=\"0\">\n    </NODE>\n  </PLAYLISTS>\n</DJ_PLAYLISTS>\n");
    out.replace("Count=\"0\">\n    </NODE>", "Count=\"0\"/>")
}

fn traktor(tracks: &[Track], notation: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n<NML VERSION=\"19\"><HEAD COMPANY=\"www.native-instruments.com\" PROGRAM=\"Traktor\"></HEAD>\n<MUSICFOLDERS></MUSICFOLDERS>\n");
    let _ = writeln!(out, "<COLLECTION ENTRIES=\"{}\">", tracks.len());
    for (i, t) in tracks.iter().enumerate() {
        let _ = writeln!(
            out,
            "<ENTRY MODIFIED_DATE=\"2024/1/1\" TITLE=\"{}\" ARTIST=\"{}\"><LOCATION DIR=\"/:Music/:crate/:\" FILE=\"{:05}.mp3\" VOLUME=\"Macintosh HD\" VOLUMEID=\"Macintosh HD\"></LOCATION>\n<INFO BITRATE=\"320000\" GENRE=\"{}\" KEY=\"{}\" PLAYTIME=\"{}\" PLAYTIME_FLOAT=\"{}.000000\"></INFO>\n<TEMPO BPM=\"{:.6}\" BPM_QUALITY=\"100.000000\"></TEMPO>\n</ENTRY>",
            escape(&t.title), escape(&t.artist), i + 1, escape(t.genre.name), key_text(t.key, notation), t.seconds, t.seconds, t.bpm
        );
    }
    out.push_str("</COLLECTION>\n<SETS ENTRIES=\"0\"></SETS>\n<PLAYLISTS><NODE TYPE=\"FOLDER\" NAME=\"$ROOT\"><SUBNODES COUNT=\"0\"></SUBNODES>\n</NODE>\n</PLAYLISTS>\n<INDEXING></INDEXING>\n</NML>\n");
    out
}

fn virtualdj(tracks: &[Track], notation: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VirtualDJ_Database Version=\"8.5\">\n",
    );
    for (i, t) in tracks.iter().enumerate() {
        let _ = writeln!(
            out,
            " <Song FilePath=\"/Music/crate/{:05}.mp3\" FileSize=\"9000000\">\n  <Tags Author=\"{}\" Title=\"{}\" Genre=\"{}\" Bpm=\"{:.6}\" Key=\"{}\" Flag=\"1\" />\n  <Infos SongLength=\"{}.000000\" Bitrate=\"320\" />\n </Song>",
            i + 1, escape(&t.artist), escape(&t.title), escape(t.genre.name), 60.0 / t.bpm, key_text(t.key, notation), t.seconds
        );
    }
    out.push_str("</VirtualDJ_Database>\n");
    out
}

fn blueprints(tracks: &[Track], rng: &mut Rng) -> String {
    let mut out = String::new();
    for t in tracks {
        let three = |list: &[&'static str], rng: &mut Rng| {
            let from = rng.below(list.len() as u64) as usize;
            (0..2)
                .map(|k| list[(from + k) % list.len()])
                .collect::<Vec<_>>()
        };
        let line = serde_json::json!({
            "artist": t.artist,
            "title": t.title,
            "source": "gpt-4o-mini",
            "created_at": 1_700_000_000,
            "blueprint": {
                "primary_genre": t.genre.name,
                "sub_genre": three(&t.genre.subs, rng),
                "energy_level": t.energy,
                "energy_vibe": three(&VIBES, rng),
                "situation_environment": t.situations,
                "components": three(&PARTS, rng),
                "time_period": [DECADES[rng.below(3) as usize]],
            }
        });
        let _ = writeln!(out, "{line}");
    }
    out
}

fn features(tracks: &[Track]) -> String {
    let mut out = String::new();
    for (i, t) in tracks.iter().enumerate() {
        let line = serde_json::json!({
            "artist": t.artist,
            "title": t.title,
            "file": format!("{:05}.mp3", i + 1),
            "bpm": t.bpm,
            "key": key_text(t.key, "camelot"),
            "seconds": t.seconds,
            "energy": t.energy,
            "genre": t.genre.name,
        });
        let _ = writeln!(out, "{line}");
    }
    out
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut count, mut seed, mut format, mut notation, mut dir) = (
        300usize,
        7u64,
        "rekordbox".to_string(),
        "camelot".to_string(),
        None,
    );
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--tracks" => count = value.parse().unwrap_or(count),
            "--seed" => seed = value.parse().unwrap_or(seed),
            "--format" => format = value,
            "--notation" => notation = value,
            "-o" => dir = Some(PathBuf::from(value)),
            _ => {
                eprintln!("usage: gen_crate --tracks N [--seed S] [--format rekordbox|traktor|vdj] [--notation camelot|open|classic] -o DIR");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("gen_crate: -o DIR is required");
        return std::process::ExitCode::from(2);
    };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let artists: Vec<String> = (0..(count / 3).max(2))
        .map(|_| artist_name(&mut rng))
        .collect();
    let tracks: Vec<Track> = (0..count).map(|i| track(i, &mut rng, &artists)).collect();
    let (name, text) = match format.as_str() {
        "traktor" => ("collection.nml", traktor(&tracks, &notation)),
        "vdj" => ("database.xml", virtualdj(&tracks, &notation)),
        _ => ("library.xml", rekordbox(&tracks, &notation)),
    };
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(name), text))
        .and_then(|()| std::fs::write(dir.join("blueprints.jsonl"), blueprints(&tracks, &mut rng)))
        .and_then(|()| std::fs::write(dir.join("crate.jsonl"), features(&tracks)));
    match written {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_crate: {}: {e}", dir.display());
            std::process::ExitCode::FAILURE
        }
    }
}
