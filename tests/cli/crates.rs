//! Crates for the `set` tests: tracks with a tempo, a key, a length and a blueprint, written as
//! a rekordbox library, a Traktor collection or a VirtualDJ database, with the blueprints as
//! `cache import` reads them.

use crate::util::Sandbox;

#[derive(Debug, Clone)]
pub struct Song {
    pub artist: String,
    pub title: String,
    pub bpm: f64,
    /// As the library writes it, in any notation.
    pub key: String,
    pub seconds: u32,
    pub energy: u8,
    pub genre: &'static str,
    pub situations: Vec<&'static str>,
}

impl Song {
    pub fn new(i: usize, artist: &str, bpm: f64, key: &str, seconds: u32, energy: u8) -> Song {
        Song {
            artist: artist.to_string(),
            title: format!("Track {i}"),
            bpm,
            key: key.to_string(),
            seconds,
            energy,
            genre: "House",
            situations: vec!["Filler"],
        }
    }

    pub fn name(&self) -> String {
        format!("{} - {}", self.artist, self.title)
    }

    pub fn file(&self) -> String {
        format!("{}.mp3", self.title.replace(' ', "_"))
    }
}

/// A crate of `n` tracks in a tempo band, over the whole wheel, from a seed: xorshift, so that
/// the same seed gives the same crate.
pub fn random_crate(n: usize, seed: u64, bpm: (f64, f64), artists: usize) -> Vec<Song> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    (0..n)
        .map(|i| {
            let tempo = bpm.0 + (bpm.1 - bpm.0) * next(1000) as f64 / 1000.0;
            let key = format!("{}{}", 1 + next(12), if next(2) == 0 { 'A' } else { 'B' });
            let artist = format!("Artist {}", next(artists as u64));
            let seconds = 180 + next(300) as u32;
            let energy = 1 + next(10) as u8;
            Song::new(
                i,
                &artist,
                (tempo * 100.0).round() / 100.0,
                &key,
                seconds,
                energy,
            )
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

pub fn rekordbox(songs: &[Song]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DJ_PLAYLISTS Version=\"1.0.0\">\n  <PRODUCT Name=\"rekordbox\" Version=\"6.6.2\" Company=\"AlphaTheta\"/>\n");
    out.push_str(&format!("  <COLLECTION Entries=\"{}\">\n", songs.len()));
    for (i, s) in songs.iter().enumerate() {
        out.push_str(&format!(
            "    <TRACK TrackID=\"{}\" Name=\"{}\" Artist=\"{}\" Genre=\"\" TotalTime=\"{}\" AverageBpm=\"{:.2}\" Tonality=\"{}\" Location=\"file://localhost/Music/{}\"/>\n",
            i + 1,
            escape(&s.title),
            escape(&s.artist),
            s.seconds,
            s.bpm,
            escape(&s.key),
            s.file()
        ));
    }
    out.push_str("  </COLLECTION>\n  <PLAYLISTS>\n    <NODE Type=\"0\" Name=\"ROOT\" Count=\"0\"/>\n  </PLAYLISTS>\n</DJ_PLAYLISTS>\n");
    out
}

pub fn traktor(songs: &[Song]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n<NML VERSION=\"19\"><HEAD COMPANY=\"www.native-instruments.com\" PROGRAM=\"Traktor\"></HEAD>\n");
    out.push_str(&format!("<COLLECTION ENTRIES=\"{}\">\n", songs.len()));
    for s in songs {
        out.push_str(&format!(
            "<ENTRY TITLE=\"{}\" ARTIST=\"{}\"><LOCATION DIR=\"/:Music/:\" FILE=\"{}\" VOLUME=\"Disk\" VOLUMEID=\"Disk\"></LOCATION>\n<INFO KEY=\"{}\" PLAYTIME=\"{}\"></INFO>\n<TEMPO BPM=\"{:.6}\" BPM_QUALITY=\"100.000000\"></TEMPO>\n</ENTRY>\n",
            escape(&s.title),
            escape(&s.artist),
            s.file(),
            escape(&s.key),
            s.seconds,
            s.bpm
        ));
    }
    out.push_str("</COLLECTION>\n<PLAYLISTS><NODE TYPE=\"FOLDER\" NAME=\"$ROOT\"><SUBNODES COUNT=\"0\"></SUBNODES>\n</NODE>\n</PLAYLISTS>\n</NML>\n");
    out
}

pub fn virtualdj(songs: &[Song]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VirtualDJ_Database Version=\"8.5\">\n",
    );
    for s in songs {
        out.push_str(&format!(
            " <Song FilePath=\"/Music/{}\" FileSize=\"1000\">\n  <Tags Author=\"{}\" Title=\"{}\" Bpm=\"{:.6}\" Key=\"{}\" Flag=\"1\" />\n  <Infos SongLength=\"{}.000000\" />\n </Song>\n",
            s.file(),
            escape(&s.artist),
            escape(&s.title),
            60.0 / s.bpm,
            escape(&s.key),
            s.seconds
        ));
    }
    out.push_str("</VirtualDJ_Database>\n");
    out
}

/// The blueprints of `songs`, as `cache import` reads them.
pub fn blueprints(songs: &[Song]) -> String {
    songs
        .iter()
        .map(|s| {
            let line = serde_json::json!({
                "artist": s.artist,
                "title": s.title,
                "source": "gpt-4o-mini",
                "created_at": 1_700_000_000,
                "blueprint": {
                    "primary_genre": s.genre,
                    "sub_genre": ["Deep House"],
                    "energy_level": s.energy,
                    "energy_vibe": ["Driving"],
                    "situation_environment": s.situations,
                    "components": ["Vocal"],
                    "time_period": ["2010s"],
                }
            });
            format!("{line}\n")
        })
        .collect()
}

/// A sandbox holding `songs` as `lib.xml` (rekordbox) with their blueprints in its cache.
pub fn sandbox_with(songs: &[Song]) -> Sandbox {
    let sb = Sandbox::new();
    sb.write("lib.xml", rekordbox(songs));
    sb.import(&blueprints(songs));
    sb
}

/// `set --json` on `library` with `args`: the JSON, after checking it exits 0.
pub fn set_json(sb: &Sandbox, library: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["set", library, "--json"];
    all.extend_from_slice(args);
    let out = sb.run(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("set --json prints JSON")
}

/// "Artist - Title" of each track of a set, in order.
pub fn names(set: &serde_json::Value) -> Vec<String> {
    set["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| {
            format!(
                "{} - {}",
                t["artist"].as_str().unwrap(),
                t["title"].as_str().unwrap()
            )
        })
        .collect()
}
