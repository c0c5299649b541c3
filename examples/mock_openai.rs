//! A tiny OpenAI-compatible chat-completions server for benchmarks and tests: no network, no
//! model, deterministic answers.
//!
//! ```text
//! cargo run --release --example mock_openai -- [--port P] [--latency-ms L] [--fail-every N] [--threads T]
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
//! stderr. `--port 0` (the default) picks a free port. `--threads` requests are served at once.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Value};
use taggenius::blueprint::{COMPONENTS, GENRES as PRIMARY_GENRES, SITUATIONS, VIBES};
use tiny_http::{Header, Method, Request, Response};

#[path = "../tests/support/quick_server.rs"]
mod quick_server;
use quick_server::quick_server;

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

struct Config {
    port: u16,
    latency: Duration,
    fail_every: u64,
    threads: usize,
}

fn parse_args() -> Result<Config, String> {
    let mut config = Config {
        port: 0,
        latency: Duration::ZERO,
        fail_every: 0,
        threads: 64,
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
                config.port = u16::try_from(value()?).map_err(|_| "--port: out of range")?
            }
            "--latency-ms" => config.latency = Duration::from_millis(value()?),
            "--fail-every" => config.fail_every = value()?,
            "--threads" => config.threads = value()?.max(1) as usize,
            "-h" | "--help" => {
                println!(
                    "usage: mock_openai [--port P] [--latency-ms L] [--fail-every N] [--threads T]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(config)
}

fn main() {
    let config = match parse_args() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("mock_openai: {message}");
            eprintln!(
                "usage: mock_openai [--port P] [--latency-ms L] [--fail-every N] [--threads T]"
            );
            std::process::exit(2);
        }
    };
    let server = match quick_server(config.port) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!(
                "mock_openai: cannot listen on 127.0.0.1:{}: {e}",
                config.port
            );
            std::process::exit(1);
        }
    };
    let port = server
        .server_addr()
        .to_ip()
        .map(|addr| addr.port())
        .unwrap_or(config.port);
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on http://127.0.0.1:{port}/v1");
        let _ = stdout.flush();
    }

    let config = Arc::new(config);
    let counter = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..config.threads)
        .map(|_| {
            let server = Arc::clone(&server);
            let config = Arc::clone(&config);
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || loop {
                match server.recv() {
                    Ok(request) => handle(request, &config, &counter),
                    Err(e) => {
                        eprintln!("mock_openai: accept failed: {e}");
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

// ---------------------------------------------------------------------------------------------

fn json_response(status: u16, body: &Value) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(serde_json::to_vec(body).unwrap_or_default())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn error_body(message: &str, kind: &str, code: Option<&str>) -> Value {
    json!({ "error": { "message": message, "type": kind, "param": null, "code": code } })
}

fn handle(mut request: Request, config: &Config, counter: &AtomicU64) {
    let method = request.method().clone();
    let path = request
        .url()
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let key = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().trim().to_string())
        .unwrap_or_default();
    let key = key
        .strip_prefix("Bearer ")
        .unwrap_or(&key)
        .trim()
        .to_string();

    let mut body = Vec::new();
    if let Err(e) = request.as_reader().read_to_end(&mut body) {
        eprintln!("mock_openai: reading request body: {e}");
        return;
    }

    let mut number = counter.load(Ordering::SeqCst);
    let (status, response, note) = if method == Method::Get && path.ends_with("/models") {
        let body = json!({ "object": "list", "data": [
            { "id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "mock" } ] });
        (200, json_response(200, &body), String::new())
    } else if method == Method::Post && path.ends_with("/chat/completions") {
        number = counter.fetch_add(1, Ordering::SeqCst) + 1;
        chat(number, &key, &body, config)
    } else {
        let body = error_body(
            &format!("Unknown request URL: {method} {path}."),
            "invalid_request_error",
            Some("unknown_url"),
        );
        (404, json_response(404, &body), String::new())
    };
    eprintln!("mock_openai: request #{number} {method} {path} -> {status}{note}");
    if let Err(e) = request.respond(response) {
        eprintln!("mock_openai: writing response: {e}");
    }
}

fn chat(
    n: u64,
    key: &str,
    body: &[u8],
    config: &Config,
) -> (u16, Response<std::io::Cursor<Vec<u8>>>, String) {
    if key.starts_with("sk-bad") {
        let message = "Incorrect API key provided: sk-bad***. You can find your API key at \
                       https://platform.openai.com/account/api-keys.";
        let body = error_body(message, "invalid_request_error", Some("invalid_api_key"));
        return (401, json_response(401, &body), " (bad key)".into());
    }
    if key.starts_with("sk-quota") {
        let message = "You exceeded your current quota, please check your plan and billing \
                       details. For more information on this error, read the docs: \
                       https://platform.openai.com/docs/guides/error-codes/api-errors.";
        let body = error_body(message, "insufficient_quota", Some("insufficient_quota"));
        return (429, json_response(429, &body), " (quota)".into());
    }
    if config.fail_every > 0 && n % config.fail_every == 0 {
        let message = "Rate limit reached for gpt-4o-mini in organization org-mock on requests \
                       per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 1s.";
        let body = error_body(message, "requests", Some("rate_limit_exceeded"));
        let response = json_response(429, &body).with_header(header("Retry-After", "1"));
        return (429, response, " (rate limited)".into());
    }

    let request: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            let body = error_body(
                &format!("We could not parse the JSON body of your request: {e}"),
                "invalid_request_error",
                None,
            );
            return (400, json_response(400, &body), " (bad JSON)".into());
        }
    };
    let model = request
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("gpt-4o-mini")
        .to_string();
    let last = request
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|messages| messages.last())
        .map(message_text);
    let Some(last) = last else {
        let body = error_body(
            "Invalid request: 'messages' must be a non-empty array.",
            "invalid_request_error",
            Some("invalid_value"),
        );
        return (400, json_response(400, &body), " (no messages)".into());
    };
    let tracks: Vec<Value> = serde_json::from_str::<Value>(&last)
        .ok()
        .and_then(|v| v.get("tracks").and_then(Value::as_array).cloned())
        .unwrap_or_default();

    let answers = Content {
        tracks: tracks.iter().map(blueprint).collect(),
    };
    let content = serde_json::to_string(&answers).unwrap_or_default();

    std::thread::sleep(config.latency);

    let prompt_tokens = body.len() as u64 / 4;
    let completion_tokens = content.len() as u64 / 4;
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let reply = json!({
        "id": format!("chatcmpl-mock{n:08}"),
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": null },
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": { "cached_tokens": 0 },
            "completion_tokens_details": { "reasoning_tokens": 0 }
        },
        "system_fingerprint": "fp_mock"
    });
    let note = format!(" ({} tracks)", tracks.len());
    (200, json_response(200, &reply), note)
}

/// A message's text: `content` as a string, or the text parts of a content array.
fn message_text(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic blueprints.

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

#[derive(Serialize)]
struct Content {
    tracks: Vec<Answer>,
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
