//! A source added between the cache and the model, touching neither: the model is asked only
//! for what it could not answer.

use std::collections::HashMap;

use anyhow::Result;

use crate::blueprint::Blueprint;
use crate::cache::{Cache, Found};
use crate::job::sources::llm::Model;
use crate::job::sources::{ask_in_order, Reasons, Source, Store, Wanted};
use crate::job::summary::Summary;
use crate::library::track::TrackInfo;
use crate::provider::openai::mock::{answer_all, config, mock, tracks_of};

/// Answers from a map of titles, as a shared pool would from its database.
struct FromMap(HashMap<String, Blueprint>);

impl Source for FromMap {
    fn ask(&self, wanted: &[Wanted], store: &mut Store, _: &mut Summary) -> Result<Reasons> {
        let known: Vec<_> = wanted
            .iter()
            .filter_map(|(key, info)| Some((*key, info, self.0.get(&info.title)?)))
            .collect();
        store.keep("map", &known)?;
        Ok(Reasons::new())
    }
}

#[test]
fn a_source_between_the_cache_and_the_model_leaves_the_model_the_rest() -> Result<()> {
    let server = mock(|_, body| answer_all(body))?;
    let cfg = config(&server.url, 10);
    let dir = tempfile::tempdir()?;
    let cache = Cache::open(&dir.path().join("cache.sqlite3"))?;
    let keys: Vec<String> = (0..6).map(|i| format!("artist\u{1f}track {i}")).collect();
    let wanted: Vec<Wanted> = (0..6)
        .map(|i| {
            let info = TrackInfo {
                artist: "Artist".into(),
                title: format!("Track {i}"),
                ..TrackInfo::default()
            };
            (keys[i].as_str(), info)
        })
        .collect();
    let known = Blueprint::from_json(r#"{"primary_genre":"House","energy_level":5}"#)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let map = (0..6)
        .filter(|i| i % 2 == 0)
        .map(|i| (format!("Track {i}"), known.clone()))
        .collect();
    let model = Model {
        cfg: &cfg,
        budget: None,
        quiet: true,
    };
    let sources: Vec<Box<dyn Source>> = vec![Box::new(FromMap(map)), Box::new(model)];
    let mut found = Found::default();
    let mut summary = Summary::default();
    let mut store = Store::new(&cache, &mut found);
    let reasons = ask_in_order(&sources, &wanted, &mut store, &mut summary)?;
    assert!(reasons.is_empty(), "{reasons:?}");
    // The model was asked for the three odd tracks only, in one request.
    let asked: Vec<String> = server
        .seen()
        .iter()
        .flat_map(|s| tracks_of(&s.body).into_iter().map(|(_, title)| title))
        .collect();
    assert_eq!(asked, ["Track 1", "Track 3", "Track 5"]);
    assert_eq!(summary.fetched, 3);
    // Every answer is in the local cache, with its source.
    assert_eq!(found.len(), 6);
    for (i, key) in keys.iter().enumerate() {
        let stored = cache.stored(key)?.expect("in the cache");
        let want = if i % 2 == 0 { "map" } else { "gpt-4o-mini" };
        assert_eq!(stored.source, want, "{key}");
    }
    Ok(())
}
