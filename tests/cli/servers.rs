//! How local servers behave, played by scripted mock servers on 127.0.0.1 (no model runs here):
//! a grammar-constrained server that answers exactly what the schema allows, a weak model that
//! ignores the schema and writes until its output limit, and a server that rejects a schema
//! keyword. The real llama.cpp server is tried by hand (scripts/local-llm.sh), never in tests.

use std::time::Duration;

use serde_json::{json, Value};

use crate::mock::{error_body, Asked, Mock, Reply};
use crate::util::{code, numbered_library, summary, text, Sandbox};

/// Whether the request's schema binds the reply to exactly this batch, as a grammar-constrained
/// server (llama.cpp, Ollama) would then enforce.
fn bound_to_batch(body: &Value, tracks: &[Asked]) -> bool {
    let list = &body["response_format"]["json_schema"]["schema"]["properties"]["tracks"];
    let ids: Vec<Value> = tracks.iter().map(|t| json!(t.id)).collect();
    list["minItems"] == json!(tracks.len())
        && list["maxItems"] == json!(tracks.len())
        && list["items"]["properties"]["id"]["enum"] == Value::Array(ids)
}

#[test]
fn a_grammar_constrained_server_answers_a_batch_in_one_pass() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=6));
    // Unbound, the small model goes on writing made-up ids until its output limit.
    let mock = Mock::start_seeing(Duration::ZERO, |_, body, tracks| {
        if bound_to_batch(body, tracks) {
            Reply::Ok
        } else {
            Reply::Runaway
        }
    });
    let out = mock.run(&sb, &["tag", "lib.xml", "--json", "--batch", "6"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["fetched"], 6, "{s}");
    assert_eq!(s["requests"], 1, "{s}");
    assert_eq!(s["cut_short"], 0, "{s}");
    assert_eq!(mock.requests(), 1);
    // The ids are positional: the schema of every full batch is the same.
    let ids = &mock.seen()[0].body["response_format"]["json_schema"]["schema"]["properties"]
        ["tracks"]["items"]["properties"]["id"]["enum"];
    assert_eq!(ids, &json!(["1", "2", "3", "4", "5", "6"]));
}

#[test]
fn a_model_that_loops_past_its_batch_is_asked_in_halves_until_it_fits() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=6));
    // Ignores the schema: any batch of more than two tracks runs into the output limit.
    let mock = Mock::start(Duration::ZERO, |_, tracks| {
        if tracks.len() > 2 {
            Reply::Runaway
        } else {
            Reply::Ok
        }
    });
    let out = mock.run(
        &sb,
        &["tag", "lib.xml", "--json", "--batch", "6", "--jobs", "1"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    let s = summary(&out);
    assert_eq!(s["fetched"], 6, "{s}");
    // 6 → 3 + 3 → (2 + 1) + (2 + 1): seven requests, three of them cut short. Halves go to
    // the front of the queue, to finish tracks already paid for first.
    let sizes: Vec<usize> = mock.seen().iter().map(|r| r.tracks.len()).collect();
    assert_eq!(sizes, [6, 3, 2, 1, 3, 2, 1], "{stderr}");
    assert_eq!(s["requests"], 7, "{s}");
    assert_eq!(s["cut_short"], 3, "{s}");
    assert!(s["cut_short_tokens"].as_u64().unwrap() > 0, "{s}");
    assert!(
        stderr.contains("3 replies were cut short at the server's output limit"),
        "{stderr}"
    );
    let tagged = std::fs::read_to_string(sb.path("lib.tagged.xml")).unwrap();
    assert_eq!(tagged.matches("Genre=\"House, Deep House").count(), 6);
}

#[test]
fn a_track_cut_short_even_alone_fails_after_a_bounded_number_of_asks() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=8));
    let mock = Mock::start(Duration::ZERO, |_, _| Reply::Runaway);
    let out = mock.run(
        &sb,
        &["tag", "lib.xml", "--json", "--batch", "8", "--jobs", "2"],
    );
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["fetched"], 0, "{s}");
    assert_eq!(s["missing"].as_array().unwrap().len(), 8, "{s}");
    // 8 → 4 + 4 → 2 + 2 + 2 + 2 → eight alone: 15 requests, each track asked 1 + log2(8) times.
    assert_eq!(mock.requests(), 15);
    assert!(mock.asked_counts(0).values().all(|&n| n == 4));
    let reason = s["missing"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("cut off"), "{reason}");
}

fn rejects_min_items(body: &Value) -> Option<Reply> {
    body.to_string()
        .contains("minItems")
        .then(|| Reply::Status {
            status: 400,
            body: error_body(
                "Invalid schema for response_format 'track_blueprints': In context=('properties', \
             'tracks'), 'minItems' is not permitted.",
                "invalid_request_error",
                "",
            ),
            retry_after: None,
        })
}

#[test]
fn a_server_that_rejects_min_items_gets_the_looser_schema_for_the_rest_of_the_run() {
    let sb = Sandbox::new();
    sb.write("lib.xml", numbered_library(1..=6));
    let mock = Mock::start_seeing(Duration::ZERO, |_, body, _| {
        rejects_min_items(body).unwrap_or(Reply::Ok)
    });
    let out = mock.run(
        &sb,
        &["tag", "lib.xml", "--json", "--batch", "2", "--jobs", "2"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    assert_eq!(summary(&out)["fetched"], 6);
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("looser schema"))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(said[0].contains("'minItems' is not permitted"), "{stderr}");
    // Each worker was refused at most once; every batch was then asked with the looser schema.
    let seen = mock.seen();
    let refused = seen
        .iter()
        .filter(|r| r.body.to_string().contains("minItems"))
        .count();
    assert!((1..=2).contains(&refused), "{refused} refused");
    assert_eq!(seen.len() - refused, 3);
}

#[test]
fn a_server_that_rejects_even_the_looser_schema_fails_its_tracks_not_the_run() {
    let sb = Sandbox::new();
    let before = numbered_library(1..=4);
    sb.write("lib.xml", &before);
    let mock = Mock::start(Duration::ZERO, |_, _| Reply::Status {
        status: 400,
        body: error_body(
            "response_format type json_schema is not supported",
            "invalid_request_error",
            "",
        ),
        retry_after: None,
    });
    let out = mock.run(
        &sb,
        &["tag", "lib.xml", "--json", "--batch", "4", "--jobs", "1"],
    );
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let s = summary(&out);
    assert_eq!(s["missing"].as_array().unwrap().len(), 4, "{s}");
    assert_eq!(mock.requests(), 2, "the bound schema, then the looser one");
    let reason = s["missing"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("rejected the response schema"), "{reason}");
    let written = std::fs::read_to_string(sb.path("lib.tagged.xml")).unwrap();
    assert_eq!(written, before);
}
