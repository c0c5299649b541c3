//! Libraries and blueprints with variety, for the playlist and `find` tests: every energy,
//! several genres, situations, decades, tempos and keys (in three notations).

/// Blueprints for `n` tracks "Artist i" / "Track i", as `cache import` reads them: every
/// energy, several genres, situations and decades, so that every group has playlists.
pub fn varied_blueprints(n: usize) -> String {
    let mut lines = String::new();
    for i in 0..n {
        let line = serde_json::json!({
            "artist": format!("Artist {i}"),
            "title": format!("Track {i}"),
            "source": "gpt-4o-mini",
            "created_at": 1_700_000_000,
            "blueprint": varied_blueprint(i),
        });
        lines.push_str(&format!("{line}\n"));
    }
    lines
}

/// The blueprint of "Track i": what the tests expect `find` and the playlists to go by.
pub fn varied_blueprint(i: usize) -> serde_json::Value {
    const GENRES: [(&str, [&str; 4]); 3] = [
        (
            "House",
            ["Deep House", "Tech House", "Soulful House", "Afro House"],
        ),
        (
            "Techno",
            [
                "Hard Techno",
                "Minimal Techno",
                "Detroit Techno",
                "Acid Techno",
            ],
        ),
        ("Drum & Bass", ["Liquid", "Jump Up", "Neurofunk", "Jungle"]),
    ];
    const SITUATIONS: [&str; 6] = [
        "Warmup",
        "Peak Hour",
        "Closer",
        "Lounge",
        "Afterhours",
        "Sunset",
    ];
    const VIBES: [&str; 5] = ["Dark", "Uplifting", "Driving", "Happy", "Mellow"];
    const PARTS: [&str; 5] = ["Vocal", "Piano", "Synth", "Strings", "Guitar"];
    const DECADES: [&str; 3] = ["1990s", "2000s", "2010s"];
    let (genre, subs) = GENRES[i % 3];
    let three = |list: &[&str], from: usize| -> Vec<String> {
        (0..3)
            .map(|k| list[(from + k) % list.len()].to_string())
            .collect()
    };
    serde_json::json!({
        "primary_genre": genre,
        "sub_genre": three(&subs, i / 3),
        "energy_level": 1 + i % 10,
        "energy_vibe": three(&VIBES, i),
        "situation_environment": three(&SITUATIONS, i / 2),
        "components": three(&PARTS, i),
        "time_period": [DECADES[i % 3]],
    })
}

/// The titles of the tracks among the first `n` whose blueprint passes `keep`, by the
/// generator alone.
pub fn varied_titles(n: usize, keep: impl Fn(&serde_json::Value) -> bool) -> Vec<String> {
    (0..n)
        .filter(|&i| keep(&varied_blueprint(i)))
        .map(|i| format!("Track {i}"))
        .collect()
}

/// Whether the blueprint's list `field` holds `word`.
pub fn holds(bp: &serde_json::Value, field: &str, word: &str) -> bool {
    bp[field]
        .as_array()
        .is_some_and(|words| words.iter().any(|w| w == word))
}

/// A rekordbox library of the tracks `varied_blueprints` knows, with BPMs and keys, and a
/// playlist of the user's; `root` is the ROOT node's inner lines.
pub fn varied_library(n: usize, root: &str) -> String {
    let keys = ["8A", "Am", "1m", "9A", "7A", "8B", "F#m", "C"];
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DJ_PLAYLISTS Version=\"1.0.0\">\n  <COLLECTION Entries=\"0\">\n",
    );
    for i in 0..n {
        let bpm = 170 - (i * 7) % 60;
        xml.push_str(&format!(
            "    <TRACK TrackID=\"{}\" Name=\"Track {i}\" Artist=\"Artist {i}\" Genre=\"\" AverageBpm=\"{bpm}.00\" Tonality=\"{}\" Comments=\"\" Location=\"file://localhost/Music/{i}.mp3\"/>\n",
            1000 + i,
            keys[i % keys.len()]
        ));
    }
    xml.push_str(
        "  </COLLECTION>\n  <PLAYLISTS>\n    <NODE Type=\"0\" Name=\"ROOT\" Count=\"1\">\n",
    );
    xml.push_str(root);
    xml.push_str("    </NODE>\n  </PLAYLISTS>\n</DJ_PLAYLISTS>\n");
    xml
}

/// A VirtualDJ database of the tracks `varied_blueprints` knows, with Windows paths.
pub fn vdj_database(n: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VirtualDJ_Database Version=\"8.5\">\n",
    );
    for i in 0..n {
        xml.push_str(&format!(
            " <Song FilePath=\"C:\\Music\\{i}.mp3\" FileSize=\"1\">\n  <Tags Author=\"Artist {i}\" Title=\"Track {i}\" Bpm=\"0.5\" />\n  <Infos SongLength=\"200\" />\n </Song>\n"
        ));
    }
    xml.push_str("</VirtualDJ_Database>\n");
    xml
}
