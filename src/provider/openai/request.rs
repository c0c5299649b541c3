//! The request body sent to `POST {base_url}/chat/completions` (docs/DESIGN.md, "The request
//! contract"). Everything before the last user message is identical for every request, so that
//! providers that cache prompt prefixes bill the instructions and schema at the cached rate.

use crate::blueprint::vocabulary;
use crate::blueprint::MAX_ITEMS;
use crate::library::track::TrackInfo;
use serde_json::{json, Map, Value};

/// Completion tokens a blueprint entry takes (~260 bytes of JSON), used by the estimate.
pub const COMPLETION_TOKENS_PER_TRACK: u64 = 70;
/// The `{"tracks":[` … `]}` wrapper of a reply.
pub const COMPLETION_TOKENS_PER_REQUEST: u64 = 5;
pub const SCHEMA_NAME: &str = "track_blueprints";

/// Written once; kept long and explicit because the DJ-specific words (handoff, filler,
/// after-afterhours…) are ambiguous without definitions, and because OpenAI caches a prefix
/// only from 1024 tokens on, which this prompt plus the schema passes.
pub const SYSTEM_PROMPT: &str = "\
You are an expert music curator and club DJ. You tag tracks for a DJ library.

The user message is one JSON object {\"tracks\":[…]}. Each track has an \"id\" and what the \
library knows: artist, title, and when present genre, year, bpm, key and label. The library's \
own genre is a hint only: it is often missing, too broad or wrong. Use your knowledge of the \
recording itself (artist, release, remix or mix name) first, the hints second.

Answer with one JSON object {\"tracks\":[…]} holding exactly one entry for every input track, \
with its \"id\" copied verbatim, and these fields:

- primary_genre: the one main genre, from the allowed list.
- sub_genre: up to 3 specific styles, most fitting first, in Title Case, at most 40 \
characters each (for example \"French House\", \"Deep House\", \"Liquid Funk\", \"Boom Bap\", \
\"Roots Reggae\", \"Bossa Nova\"). Do not repeat the primary genre as a sub-genre.
- energy_level: 1 to 10, how much energy the track brings to a dance floor. 1-2: beatless, \
ambient, barely moving. 3-4: relaxed, lounge, downtempo, background. 5-6: grooving, warm-up \
pressure, steady. 7-8: driving, building, a full floor. 9-10: peak-time anthem, maximum \
intensity.
- energy_vibe: up to 3 moods from the allowed list, most fitting first.
- situation_environment: up to 3 moments of a night or places where the track works best, \
most fitting first. Warmup: the early hours, building a room without peaking. Pre-Party: \
getting people ready before going out. Peak Hour: the busiest, most intense part of the \
night. Afterhours: the long, deep, hypnotic stretch after the main night. After-afterhours: \
the strange, slow, very late morning sessions. Closer: a last track that ends the night. \
Handoff: a track that hands the decks to the next DJ smoothly. Filler: useful, unremarkable, \
keeps a floor moving. Outro: winding a set down. Lounge: bars, dinners, seated listening. \
Beach: daytime, open air, sun. Sunset: the golden hour, emotional and warm.
- components: up to 3 audible elements or version types, most fitting first. Vocal or \
Instrumental describes the track as a whole; Acapella is a vocals-only version; Remix, \
Extended, Edit and Intro describe the version named in the title (\"Extended Mix\", \
\"Radio Edit\", \"DJ Intro\"); Piano, Keys, Guitar, Strings, Orchestral, Saxophone, Trumpet, \
Wind, Brass and Synth are the instruments that define the sound.
- time_period: exactly 1 decade, the decade the recording was first released (use the \
library's year when it is plausible; a remix belongs to the decade of the remix).

Fill every list with 3 items whenever 3 fit well; fewer only when nothing else fits. Use only \
the allowed values for every field except sub_genre. If you do not know a track, infer the \
most likely tags from its artist, title, label, genre, bpm and key rather than leaving it out. \
Never add commentary: only the JSON object.";

/// The instructions, with the words the user's vocabulary adds and removes.
pub fn system_prompt() -> std::borrow::Cow<'static, str> {
    let words = vocabulary::current();
    if words.fingerprint().is_none() {
        return SYSTEM_PROMPT.into();
    }
    let mut prompt = SYSTEM_PROMPT.to_string();
    prompt.push_str("\n\nThis DJ's own vocabulary: use only the allowed values of the schema.");
    for (key, added) in words.added() {
        prompt.push_str(&format!(" {key} also allows: {}.", added.join(", ")));
    }
    prompt.into()
}

/// Whether the model accepts `temperature` (reasoning models reject anything but the default).
pub fn supports_temperature(model: &str) -> bool {
    let name = model.trim().to_ascii_lowercase();
    let name = name.rsplit('/').next().unwrap_or_default();
    !["gpt-5", "o1", "o3", "o4"]
        .iter()
        .any(|family| name.starts_with(family))
}

/// How a request is shaped beyond its tracks: what the server has been found to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// `temperature: 0`, which reasoning models reject.
    pub temperature: bool,
    /// The schema without `minItems`/`maxItems`, for servers that reject those keywords.
    pub loose: bool,
}

/// The whole request body for `tracks`, each given with the id the reply must echo.
pub fn request_body(model: &str, tracks: &[(&str, &TrackInfo)], shape: Shape) -> String {
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    if shape.temperature {
        body.insert("temperature".into(), json!(0));
    }
    let ids: Vec<&str> = tracks.iter().map(|(id, _)| *id).collect();
    body.insert("response_format".into(), response_format(&ids, shape.loose));
    body.insert(
        "messages".into(),
        json!([
            {"role": "system", "content": system_prompt()},
            {"role": "user", "content": user_message(tracks)},
        ]),
    );
    Value::Object(body).to_string()
}

/// The last user message: exactly one JSON object. Empty fields are left out; they tell the
/// model nothing and cost tokens.
pub fn user_message(tracks: &[(&str, &TrackInfo)]) -> String {
    let entries: Vec<Value> = tracks
        .iter()
        .map(|(id, info)| track_entry(id, info))
        .collect();
    json!({ "tracks": entries }).to_string()
}

fn track_entry(id: &str, info: &TrackInfo) -> Value {
    let mut entry = Map::new();
    entry.insert("id".into(), json!(id));
    let texts = [
        ("artist", &info.artist),
        ("title", &info.title),
        ("genre", &info.genre),
        ("year", &info.year),
    ];
    for (name, value) in texts {
        if !value.trim().is_empty() {
            entry.insert(name.into(), json!(value.trim()));
        }
    }
    if let Some(bpm) = info.bpm.filter(|b| b.is_finite() && *b > 0.0) {
        entry.insert("bpm".into(), bpm_value(bpm));
    }
    for (name, value) in [("key", &info.key), ("label", &info.label)] {
        if !value.trim().is_empty() {
            entry.insert(name.into(), json!(value.trim()));
        }
    }
    Value::Object(entry)
}

/// 128.0 is sent as 128 and 127.998 as 128, 123.45 as 123.5: more precision helps no one.
fn bpm_value(bpm: f64) -> Value {
    let rounded = (bpm * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 && rounded < u32::MAX as f64 {
        json!(rounded as u32)
    } else {
        json!(rounded)
    }
}

fn response_format(ids: &[&str], loose: bool) -> Value {
    json!({
        "type": "json_schema",
        "json_schema": { "name": SCHEMA_NAME, "strict": true, "schema": schema(ids, loose) },
    })
}

/// The structured-output schema: every vocabulary as an enum, every field required and no
/// other field allowed, as strict mode demands.
///
/// The reply is bound to the batch: exactly one entry per track, each id one of the batch's
/// own. Without that bound a grammar-constrained local server lets a weak model go on writing
/// entries for ids nobody asked about until it runs out of tokens. The ids are positional
/// ("1", "2", …), so every full batch sends the same schema and the prompt prefix stays cached.
/// `loose` leaves out `minItems`/`maxItems` everywhere, for servers that reject them.
pub fn schema(ids: &[&str], loose: bool) -> Value {
    let energy: Vec<u8> = (1..=10).collect();
    let words = vocabulary::current();
    let up_to = |items: Value, max: usize| list(items, 1, max, loose);
    let entry = json!({
        "type": "object",
        "properties": {
            "id": { "type": "string", "enum": ids },
            "primary_genre": { "type": "string", "enum": words.genres },
            "sub_genre": up_to(json!({ "type": "string" }), MAX_ITEMS),
            "energy_level": { "type": "integer", "enum": energy },
            "energy_vibe": up_to(json!({ "type": "string", "enum": words.vibes }), MAX_ITEMS),
            "situation_environment":
                up_to(json!({ "type": "string", "enum": words.situations }), MAX_ITEMS),
            "components": up_to(json!({ "type": "string", "enum": words.components }), MAX_ITEMS),
            "time_period": up_to(json!({ "type": "string", "enum": words.decades }), 1),
        },
        "required": ["id", "primary_genre", "sub_genre", "energy_level", "energy_vibe",
                     "situation_environment", "components", "time_period"],
        "additionalProperties": false,
    });
    json!({
        "type": "object",
        "properties": { "tracks": list(entry, ids.len(), ids.len(), loose) },
        "required": ["tracks"],
        "additionalProperties": false,
    })
}

fn list(items: Value, min: usize, max: usize, loose: bool) -> Value {
    if loose {
        json!({ "type": "array", "items": items })
    } else {
        json!({ "type": "array", "items": items, "minItems": min, "maxItems": max })
    }
}

/// Estimated prompt tokens of a request body: about four bytes a token for this JSON.
pub fn prompt_tokens(body: &str) -> u64 {
    (body.len() as u64).div_ceil(4)
}

/// Estimated completion tokens of a reply for `tracks` tracks.
pub fn completion_tokens(tracks: usize) -> u64 {
    COMPLETION_TOKENS_PER_REQUEST + COMPLETION_TOKENS_PER_TRACK * tracks as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_models_get_no_temperature() {
        for model in [
            "gpt-5",
            "gpt-5-mini",
            "o1",
            "o3-mini",
            "o4-mini",
            "openai/gpt-5",
        ] {
            assert!(!supports_temperature(model), "{model}");
        }
        for model in ["gpt-4o-mini", "gpt-4.1", "llama3.1:8b"] {
            assert!(supports_temperature(model), "{model}");
        }
        let info = TrackInfo::default();
        let body: Value =
            serde_json::from_str(&request_body("gpt-5", &[("1", &info)], NO_TEMPERATURE)).unwrap();
        assert!(body.get("temperature").is_none());
    }

    #[test]
    fn empty_fields_are_left_out_and_bpm_rounded() {
        let info = TrackInfo {
            artist: "A".into(),
            title: "T".into(),
            bpm: Some(123.456),
            ..TrackInfo::default()
        };
        assert_eq!(
            user_message(&[("1", &info)]),
            r#"{"tracks":[{"artist":"A","bpm":123.5,"id":"1","title":"T"}]}"#
        );
    }

    #[test]
    fn static_prefix_is_long_enough_to_be_cached() {
        let info = TrackInfo::default();
        let body = request_body("gpt-4o-mini", &[("1", &info)], BOUND);
        assert!(prompt_tokens(&body) > 1100, "{}", prompt_tokens(&body));
    }

    const BOUND: Shape = Shape {
        temperature: true,
        loose: false,
    };
    const NO_TEMPERATURE: Shape = Shape {
        temperature: false,
        loose: false,
    };

    fn sent_schema(ids: &[&str], shape: Shape) -> Value {
        let info = TrackInfo::default();
        let tracks: Vec<(&str, &TrackInfo)> = ids.iter().map(|id| (*id, &info)).collect();
        let body: Value = serde_json::from_str(&request_body("m", &tracks, shape)).unwrap();
        body["response_format"]["json_schema"]["schema"].clone()
    }

    #[test]
    fn the_reply_is_bound_to_the_batch() {
        let schema = sent_schema(&["1", "2", "3"], BOUND);
        let tracks = &schema["properties"]["tracks"];
        assert_eq!(tracks["minItems"], 3);
        assert_eq!(tracks["maxItems"], 3);
        assert_eq!(
            tracks["items"]["properties"]["id"]["enum"],
            json!(["1", "2", "3"])
        );
        // Every full batch sends the same schema, so the cached prompt prefix holds.
        assert_eq!(schema, sent_schema(&["1", "2", "3"], BOUND));
        assert_ne!(schema, sent_schema(&["1", "2"], BOUND));
    }

    #[test]
    fn the_loose_schema_has_no_item_counts() {
        let loose = Shape {
            loose: true,
            ..BOUND
        };
        let text = sent_schema(&["1", "2"], loose).to_string();
        assert!(
            !text.contains("minItems") && !text.contains("maxItems"),
            "{text}"
        );
        assert!(text.contains(r#""enum":["1","2"]"#), "{text}");
        assert!(sent_schema(&["1", "2"], BOUND)
            .to_string()
            .contains("maxItems"));
    }
}
