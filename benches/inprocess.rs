//! In-process pieces of a re-render, timed with divan: `cargo bench --bench inprocess`.
//! Whole runs (wall time, peak memory, the Python peer) are timed by `bench/run.sh`.

use std::sync::OnceLock;

use divan::{black_box, Bencher};
use taggenius::blueprint::Blueprint;
use taggenius::cache::Cache;
use taggenius::library::track::cache_key;
use taggenius::library::Library;
use taggenius::render::{render, Level};

fn main() {
    divan::main();
}

const BLUEPRINT: &str = r#"{"primary_genre":"House","sub_genre":["French House","Disco House","Filter House"],"energy_level":9,"energy_vibe":["Uplifting","Funky","Energetic"],"situation_environment":["Peak Hour","Pre-Party","Sunset"],"components":["Vocal","Keys","Strings"],"time_period":["1990s"]}"#;

/// A library of `tracks` tracks in rekordbox's layout, built in memory.
fn library(tracks: usize) -> Vec<u8> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\r\n<DJ_PLAYLISTS Version=\"1.0.0\">\r\n  <COLLECTION Entries=\"0\">\r\n");
    for i in 0..tracks {
        xml.push_str(&format!(
            "    <TRACK TrackID=\"{i}\" Name=\"Track {i} (Extended Mix)\" Artist=\"Artist {}\" Composer=\"\" Album=\"Album &amp; Co\"\r\n           Grouping=\"\" Genre=\"Deep House\" Kind=\"MP3 File\" Size=\"9876543\" TotalTime=\"401\"\r\n           DiscNumber=\"0\" TrackNumber=\"1\" Year=\"2019\" AverageBpm=\"122.00\" DateAdded=\"2024-01-01\"\r\n           BitRate=\"320\" SampleRate=\"44100\" Comments=\"Warm /* Groovy */\" PlayCount=\"3\" Rating=\"0\"\r\n           Location=\"file://localhost/Music/Artist%20{i}/Track%20{i}.mp3\"\r\n           Remixer=\"\" Tonality=\"8A\" Label=\"Label\" Mix=\"\">\r\n      <TEMPO Inizio=\"0.025\" Bpm=\"122.00\" Metro=\"4/4\" Battito=\"1\"/>\r\n      <POSITION_MARK Name=\"\" Type=\"0\" Start=\"0.025\" Num=\"-1\"/>\r\n    </TRACK>\r\n",
            i % 997
        ));
    }
    xml.push_str("  </COLLECTION>\r\n</DJ_PLAYLISTS>\r\n");
    xml.into_bytes()
}

fn ten_thousand() -> &'static [u8] {
    static LIB: OnceLock<Vec<u8>> = OnceLock::new();
    LIB.get_or_init(|| library(10_000))
}

#[divan::bench]
fn parse_10k_tracks(bencher: Bencher) {
    let bytes = ten_thousand();
    bencher
        .counter(divan::counter::BytesCount::new(bytes.len()))
        .bench(|| Library::parse("bench", black_box(bytes.to_vec())).map(|l| l.tracks.len()));
}

#[divan::bench]
fn fold_cache_key() -> String {
    cache_key(
        black_box("Daft Punk feat. Romanthony"),
        black_box("One More Time (Extended Mix)"),
    )
}

#[divan::bench]
fn render_detailed(bencher: Bencher) {
    let blueprint = Blueprint::from_json(BLUEPRINT).expect("valid blueprint");
    bencher.bench(|| render(black_box(&blueprint), Level::DETAILED));
}

#[divan::bench(args = [1, 1000])]
fn cache_lookups(bencher: Bencher, keys: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = Cache::open(&dir.path().join("cache.sqlite3")).expect("cache");
    let blueprint = Blueprint::from_json(BLUEPRINT).expect("valid blueprint");
    let all: Vec<String> = (0..20_000)
        .map(|i| cache_key("Artist", &format!("Track {i}")))
        .collect();
    cache
        .in_transaction(|| {
            for key in &all {
                cache.store(key, "Artist", "Track", "gpt-4o-mini", &blueprint)?;
            }
            Ok(())
        })
        .expect("fill cache");
    let wanted: Vec<&str> = all
        .iter()
        .step_by(20_000 / keys)
        .map(String::as_str)
        .collect();
    // divan wants a closure it can share between threads; a connection is not, so it sits
    // behind a lock.
    let cache = std::sync::Mutex::new(cache);
    bencher
        .counter(divan::counter::ItemsCount::new(keys))
        .bench(|| {
            let cache = cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .lookup(wanted.iter().copied())
                .map(|found| found.len())
        });
}
