//! Reading what the server sent back: the chat completion envelope, the blueprints inside its
//! content, and error bodies.

use crate::blueprint::Blueprint;
use serde_json::Value;

/// Token counts of one answered request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub cached_tokens: u64,
    pub completion_tokens: u64,
}

/// A successful (2xx) reply that could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub usage: Usage,
    /// The model that answered, as the server names it (a dated snapshot for OpenAI).
    pub model: Option<String>,
    /// The message content, or why the whole reply is unusable (refusal, truncation…).
    pub content: Result<String, String>,
    /// The server stopped at its token limit (`finish_reason: "length"`): the batch asked for
    /// more output than it allows, and a smaller one may fit.
    pub cut_short: bool,
}

/// Reads a 2xx body. `Err` means the body itself is not a chat completion (cut off in transit,
/// an HTML error page from a proxy…): worth retrying, unlike an unusable answer.
pub fn parse_envelope(body: &str) -> Result<Envelope, String> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("unreadable reply body ({e})"))?;
    let choice = value.pointer("/choices/0").ok_or("reply has no choices")?;
    let usage = usage(&value);
    let model = value["model"].as_str().map(str::to_string);
    Ok(Envelope {
        usage,
        model,
        content: content(choice),
        cut_short: choice["finish_reason"].as_str() == Some("length"),
    })
}

fn usage(value: &Value) -> Usage {
    let count = |pointer: &str| value.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        prompt_tokens: count("/usage/prompt_tokens"),
        cached_tokens: count("/usage/prompt_tokens_details/cached_tokens"),
        completion_tokens: count("/usage/completion_tokens"),
    }
}

fn content(choice: &Value) -> Result<String, String> {
    let message = &choice["message"];
    if let Some(refusal) = message["refusal"].as_str().filter(|r| !r.trim().is_empty()) {
        return Err(format!("the model refused: {}", one_line(refusal, 120)));
    }
    match choice["finish_reason"].as_str() {
        Some("length") => return Err("the reply was cut off (finish_reason length)".into()),
        Some("content_filter") => return Err("the reply was blocked by a content filter".into()),
        _ => {}
    }
    match message["content"].as_str() {
        Some(text) if !text.trim().is_empty() => Ok(text.to_string()),
        _ => Err("the reply had no content".into()),
    }
}

/// The blueprint for each of `ids`, in order, from a reply's content. Entries with ids that
/// were not asked for are ignored, and for a repeated id the first valid entry wins. `Err`
/// means the content as a whole is unusable.
pub fn parse_entries(
    content: &str,
    ids: &[&str],
) -> Result<Vec<Result<Blueprint, String>>, String> {
    let value: Value = serde_json::from_str(json_object_text(content))
        .map_err(|_| "the reply content was not valid JSON".to_string())?;
    let entries = value["tracks"]
        .as_array()
        .ok_or("the reply content had no tracks list")?;
    let missing = || Err("no entry for this track in the reply".to_string());
    let mut results: Vec<Result<Blueprint, String>> = ids.iter().map(|_| missing()).collect();
    let mut seen = vec![false; ids.len()];
    for entry in entries {
        let Some(at) = entry_id(entry).and_then(|id| ids.iter().position(|&i| i == id)) else {
            continue;
        };
        if results[at].is_ok() {
            continue;
        }
        let parsed = entry_blueprint(entry);
        if parsed.is_ok() || !seen[at] {
            results[at] = parsed;
        }
        seen[at] = true;
    }
    Ok(results)
}

fn entry_id(entry: &Value) -> Option<String> {
    match &entry["id"] {
        Value::String(id) => Some(id.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn entry_blueprint(entry: &Value) -> Result<Blueprint, String> {
    let raw: Blueprint = serde_json::from_value(entry.clone())
        .map_err(|e| format!("invalid entry: {}", one_line(&e.to_string(), 120)))?;
    raw.validated()
        .map_err(|e| format!("invalid entry: {}", one_line(&e.0, 120)))
}

/// Servers without structured output sometimes wrap the object in a Markdown fence or a
/// sentence; the object itself is what lies between the first `{` and the last `}`.
fn json_object_text(content: &str) -> &str {
    match (content.find('{'), content.rfind('}')) {
        (Some(start), Some(end)) if start < end => &content[start..=end],
        _ => content,
    }
}

/// An error reply, as OpenAI (`{"error":{"message","type","code"}}`) or Ollama
/// (`{"error":"…"}`) send it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub kind: String,
    pub message: String,
}

pub fn parse_error(body: &str) -> ApiError {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return ApiError {
            message: one_line(body, 200),
            ..ApiError::default()
        };
    };
    let error = &value["error"];
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    match error {
        Value::String(message) => ApiError {
            message: one_line(message, 200),
            ..ApiError::default()
        },
        _ => ApiError {
            code: text(&error["code"]),
            kind: text(&error["type"]),
            message: one_line(&text(&error["message"]), 200),
        },
    }
}

/// Text fit for a one-line message: whitespace folded, at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        return folded;
    }
    let mut cut: String = folded.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, genre: &str) -> serde_json::Value {
        json!({"id": id, "primary_genre": genre, "sub_genre": [], "energy_level": 5,
               "energy_vibe": [], "situation_environment": [], "components": [],
               "time_period": ["1990s"]})
    }

    #[test]
    fn entries_are_matched_by_id_first_valid_wins() {
        let content = json!({"tracks": [
            entry("2", "Polka"), entry("9", "House"), entry("2", "techno"), entry("2", "Jazz"),
        ]})
        .to_string();
        let results = parse_entries(&content, &["1", "2"]).unwrap();
        assert!(results[0].as_ref().unwrap_err().contains("no entry"));
        assert_eq!(results[1].as_ref().unwrap().primary_genre, "Techno");
    }

    #[test]
    fn invalid_entries_and_content_are_reported() {
        let content = json!({"tracks": [entry("1", "Polka")]}).to_string();
        let results = parse_entries(&content, &["1"]).unwrap();
        assert!(results[0].as_ref().unwrap_err().contains("Polka"));
        assert!(parse_entries("{\"tracks\":[{\"id\"", &["1"]).is_err());
        let fenced = format!("```json\n{}\n```", json!({"tracks": [entry("1", "Rock")]}));
        assert!(parse_entries(&fenced, &["1"]).unwrap()[0].is_ok());
    }

    #[test]
    fn envelope_reports_truncation_and_filtering() {
        let body = |finish: &str| {
            json!({"choices": [{"finish_reason": finish, "message": {"content": "{\"tr"}}]})
                .to_string()
        };
        let cut = parse_envelope(&body("length")).unwrap();
        assert!(cut.content.unwrap_err().contains("cut off"));
        let filtered = parse_envelope(&body("content_filter")).unwrap();
        assert!(filtered.content.unwrap_err().contains("filter"));
        assert!(parse_envelope("<html>bad gateway</html>").is_err());
    }

    #[test]
    fn error_bodies_of_both_shapes() {
        let openai = parse_error(r#"{"error":{"message":"m","type":"t","code":"c"}}"#);
        assert_eq!((openai.code.as_str(), openai.kind.as_str()), ("c", "t"));
        assert_eq!(
            parse_error(r#"{"error":"model not found"}"#).message,
            "model not found"
        );
        assert_eq!(parse_error("plain\ntext").message, "plain text");
    }
}
