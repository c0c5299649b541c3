//! A tiny OpenAI-compatible chat-completions server for benchmarks and tests: no network, no
//! model, deterministic answers.
//!
//! ```text
//! cargo run --release --example mock_openai -- [--port P] [--latency-ms L] [--fail-every N]
//! ```
//!
//! - `POST …/chat/completions`: reads the request's last message, whose content is one JSON
//!   object `{"tracks":[{"id":…,"artist":…,"title":…,"genre":…,"year":…,"bpm":…}, …]}`, waits
//!   `--latency-ms`, and answers a `chat.completion` whose message content is the JSON string
//!   `{"tracks":[{"id":…, "primary_genre":…, "sub_genre":[…], "energy_level":…, "energy_vibe":[…],
//!   "situation_environment":[…], "components":[…], "time_period":[…]}, …]}`. Blueprints use only
//!   the DESIGN.md vocabularies and depend only on the track (artist/title hash, plus its genre,
//!   year, BPM and title words as hints), so that the same track always gets the same answer.
//!   `usage` counts a token per 4 bytes of request and of reply content.
//! - Every Nth chat request (`--fail-every N`, 0 = never) answers `429` with `Retry-After: 1`
//!   and an OpenAI error body, at once.
//! - An API key starting `sk-bad` gets `401 invalid_api_key`; one starting `sk-quota` gets
//!   `429 insufficient_quota` (both as OpenAI sends them). Requests without a key are served,
//!   as local OpenAI-compatible servers do.
//! - `GET …/models` lists one model.
//!
//! Prints `listening on http://127.0.0.1:PORT/v1` on stdout first; one line per request on
//! stderr. `--port 0` (the default) picks a free port. Every request is answered on a thread of
//! its own. The server is the tests' (tests/support/openai_server.rs); this file adds the
//! deterministic blueprints and the faults above.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use taggenius::blueprint::{COMPONENTS, GENRES as PRIMARY_GENRES, SITUATIONS, VIBES};

#[path = "../tests/support/openai_server.rs"]
mod openai_server;
use openai_server::{error_body, Asked, Config, Reply, Seen, Server};

/// Free-text sub-genres per primary genre (same order as PRIMARY_GENRES).
const SUB_GENRES: &[&[&str]] = &[
    &[
        "Deep House",
        "Tech House",
        "Afro House",
        "French House",
        "Disco House",
        "Progressive House",
        "Soulful House",
        "Acid House",
        "Chicago House",
        "Jackin House",
        "Organic House",
    ],
    &[
        "Minimal Techno",
        "Melodic Techno",
        "Peak Time Techno",
        "Hard Techno",
        "Detroit Techno",
        "Dub Techno",
        "Acid Techno",
        "Hypnotic Techno",
    ],
    &[
        "Liquid Drum & Bass",
        "Neurofunk",
        "Jungle",
        "Jump Up",
        "Minimal Drum & Bass",
        "Dancefloor Drum & Bass",
    ],
    &[
        "Breakbeat",
        "Nu Skool Breaks",
        "Big Beat",
        "UK Garage",
        "Bassline",
        "Dubstep",
        "Electro Breaks",
    ],
    &[
        "Progressive Trance",
        "Uplifting Trance",
        "Psytrance",
        "Tech Trance",
        "Vocal Trance",
        "Goa Trance",
    ],
    &[
        "Ambient",
        "Chillout",
        "Downtempo",
        "Trip Hop",
        "Lo-Fi",
        "Balearic",
    ],
    &[
        "Disco",
        "Nu Disco",
        "Funk",
        "Soul",
        "Boogie",
        "Italo Disco",
        "Cosmic Disco",
    ],
    &[
        "Boom Bap",
        "Trap",
        "Old School Hip Hop",
        "Conscious Hip Hop",
        "G-Funk",
        "Drill",
    ],
    &[
        "Contemporary R&B",
        "Neo Soul",
        "New Jack Swing",
        "Alternative R&B",
    ],
    &["Roots Reggae", "Dub", "Dancehall", "Lovers Rock", "Ska"],
    &["Jazz Funk", "Acid Jazz", "Nu Jazz", "Bebop", "Jazz Fusion"],
    &["Chicago Blues", "Delta Blues", "Blues Rock"],
    &[
        "Indie Rock",
        "Alternative Rock",
        "Classic Rock",
        "Post-Punk",
        "Psychedelic Rock",
    ],
    &[
        "Synth Pop",
        "Dance Pop",
        "Electropop",
        "Indie Pop",
        "Disco Pop",
    ],
    &["Baroque", "Romantic Era", "Minimalism", "Modern Classical"],
    &[
        "Reggaeton",
        "Salsa",
        "Cumbia",
        "Bachata",
        "Latin House",
        "Bossa Nova",
    ],
    &["Soca", "Calypso", "Zouk", "Kompa"],
    &[
        "Afrobeat",
        "Afrobeats",
        "Amapiano",
        "Baile Funk",
        "Highlife",
    ],
    &["Soundtrack", "Score", "Musical", "Cinematic"],
];

const DECADES: &[&str] = &["1970s", "1980s", "1990s", "2000s", "2010s", "2020s"];

/// A library genre hint mapped onto the primary genres (first match wins).
const GENRE_HINTS: &[(&str, usize)] = &[
    ("drum", 2),
    ("jungle", 2),
    ("dnb", 2),
    ("hip hop", 7),
    ("hip-hop", 7),
    ("rap", 7),
    ("r&b", 8),
    ("rnb", 8),
    ("techno", 1),
    ("minimal", 1),
    ("amapiano", 17),
    ("afrobeat", 17),
    ("house", 0),
    ("garage", 3),
    ("ukg", 3),
    ("dubstep", 3),
    ("break", 3),
    ("bass", 3),
    ("trance", 4),
    ("ambient", 5),
    ("chill", 5),
    ("downtempo", 5),
    ("electronica", 5),
    ("disco", 6),
    ("funk", 6),
    ("soul", 6),
    ("reggae", 9),
    ("dancehall", 9),
    ("dub", 9),
    ("jazz", 10),
    ("blues", 11),
    ("rock", 12),
    ("pop", 13),
    ("classical", 14),
    ("latin", 15),
    ("reggaeton", 15),
    ("salsa", 15),
    ("soca", 16),
    ("calypso", 16),
    ("world", 17),
    ("soundtrack", 18),
    ("film", 18),
];

// ---------------------------------------------------------------------------------------------

struct Options {
    port: u16,
    latency: Duration,
    fail_every: usize,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        latency: Duration::ZERO,
        fail_every: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value"))
                .and_then(|v| v.parse::<u64>().map_err(|e| format!("{arg} {v:?}: {e}")))
        };
        match arg.as_str() {
            "--port" | "-p" => {
                options.port = u16::try_from(value()?).map_err(|_| "--port: out of range")?
            }
            "--latency-ms" => options.latency = Duration::from_millis(value()?),
            "--fail-every" => options.fail_every = value()? as usize,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

const USAGE: &str = "usage: mock_openai [--port P] [--latency-ms L] [--fail-every N]";

fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("mock_openai: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let config = Config {
        // Only answers wait (below); errors come at once.
        latency: Duration::ZERO,
        answer: entry,
        // A token per 4 bytes of reply content, as of the request.
        completion_tokens: |content_len, _| content_len / 4,
        model_suffix: "",
        lifetime: None,
        log: true,
    };
    let chats = AtomicUsize::new(0);
    let (fail_every, latency) = (options.fail_every, options.latency);
    let server = Server::start(options.port, config, move |_, seen| {
        match answer(seen, &chats, fail_every) {
            Reply::Ok => Reply::Slow(latency, Box::new(Reply::Ok)),
            other => other,
        }
    });
    let server = match server {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "mock_openai: cannot listen on 127.0.0.1:{}: {e}",
                options.port
            );
            std::process::exit(1);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", server.url);
    let _ = stdout.flush();
    drop(stdout);
    server.wait();
}

/// How a request is answered: models listed, keys refused as OpenAI refuses them, every Nth
/// chat request rate-limited, every other one answered in full.
fn answer(seen: &Seen, chats: &AtomicUsize, fail_every: usize) -> Reply {
    let path = seen
        .path
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    if seen.method == "GET" && path.ends_with("/models") {
        let body = json!({ "object": "list", "data": [
            { "id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "mock" } ] });
        return Reply::status(200, body.to_string());
    }
    if seen.method != "POST" || !path.ends_with("/chat/completions") {
        let message = format!("Unknown request URL: {} {path}.", seen.method);
        return Reply::status(
            404,
            error_body(&message, "invalid_request_error", "unknown_url"),
        );
    }
    let n = chats.fetch_add(1, Ordering::SeqCst) + 1;
    if seen.key().starts_with("sk-bad") {
        return Reply::unauthorized("sk-bad***");
    }
    if seen.key().starts_with("sk-quota") {
        return Reply::insufficient_quota();
    }
    if fail_every > 0 && n % fail_every == 0 {
        return Reply::rate_limited(1);
    }
    if seen.body.is_null() {
        let message = "We could not parse the JSON body of your request.";
        return Reply::status(400, error_body(message, "invalid_request_error", ""));
    }
    Reply::Ok
}

fn text_field(track: &Value, name: &str) -> String {
    match track.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// splitmix64 stream seeded by the track hash.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to `count` distinct items: `first` (already chosen) then random ones.
    fn distinct(
        &mut self,
        from: &[&'static str],
        first: Vec<&'static str>,
        count: usize,
    ) -> Vec<&'static str> {
        let mut chosen = first;
        chosen.truncate(count);
        while chosen.len() < count.min(from.len()) {
            let item = from[self.below(from.len())];
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        chosen
    }
}

/// One track of the reply, fields in the order of the response schema.
#[derive(Serialize)]
struct Answer {
    id: Value,
    primary_genre: &'static str,
    sub_genre: Vec<&'static str>,
    energy_level: usize,
    energy_vibe: Vec<&'static str>,
    situation_environment: Vec<&'static str>,
    components: Vec<&'static str>,
    time_period: Vec<String>,
}

/// The reply entry for a track, as sent.
fn entry(asked: &Asked) -> Value {
    serde_json::to_value(blueprint(&asked.sent)).unwrap_or(Value::Null)
}

fn blueprint(track: &Value) -> Answer {
    let id = track.get("id").cloned().unwrap_or(Value::Null);
    let artist = text_field(track, "artist");
    let title = text_field(track, "title");
    let genre = text_field(track, "genre").to_lowercase();
    let year: Option<u32> = text_field(track, "year").trim().parse().ok();
    let bpm: Option<f64> = match track.get("bpm") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|bpm| *bpm > 0.0);

    let key = format!(
        "{}\u{1f}{}",
        artist.trim().to_lowercase(),
        title.trim().to_lowercase()
    );
    let mut rng = Stream(fnv1a(key.as_bytes()));

    let primary = GENRE_HINTS
        .iter()
        .find(|(hint, _)| !genre.is_empty() && genre.contains(hint))
        .map(|(_, index)| *index)
        .unwrap_or_else(|| rng.below(PRIMARY_GENRES.len()));
    let subs = rng.distinct(SUB_GENRES[primary], Vec::new(), 3);

    let (lo, hi) = match bpm {
        Some(b) if b < 90.0 => (2, 5),
        Some(b) if b < 115.0 => (4, 7),
        Some(b) if b < 130.0 => (5, 9),
        Some(_) => (6, 10),
        None => (1, 10),
    };
    let energy = lo + rng.below(hi - lo + 1);

    let vibes = rng.distinct(VIBES, Vec::new(), 3);
    let situations = rng.distinct(SITUATIONS, Vec::new(), 3);

    let lower_title = title.to_lowercase();
    let mut hinted = Vec::new();
    for (word, component) in [
        ("acapella", "Acapella"),
        ("instrumental", "Instrumental"),
        ("remix", "Remix"),
        ("extended", "Extended"),
        ("edit", "Edit"),
        ("intro", "Intro"),
        ("dub", "Instrumental"),
    ] {
        if lower_title.contains(word) && !hinted.contains(&component) {
            hinted.push(component);
        }
    }
    // Random picks come from the instrumentation words; the form words only from the title.
    let components = rng.distinct(&COMPONENTS[6..], hinted, 3);

    let decade = match year {
        Some(y) if (1920..=2029).contains(&y) => format!("{}0s", y / 10),
        _ => DECADES[rng.below(DECADES.len())].to_string(),
    };

    Answer {
        id,
        primary_genre: PRIMARY_GENRES[primary],
        sub_genre: subs,
        energy_level: energy,
        energy_vibe: vibes,
        situation_environment: situations,
        components,
        time_period: vec![decade],
    }
}
