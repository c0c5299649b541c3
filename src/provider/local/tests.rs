//! Tests of the offline provider.

use super::*;
use crate::blueprint::{COMPONENTS, GENRES};
use crate::provider::local::aliases::ALIASES;

fn track(genre: &str, title: &str, year: &str, bpm: Option<f64>) -> TrackInfo {
    TrackInfo {
        artist: "Artist".into(),
        title: title.into(),
        genre: genre.into(),
        year: year.into(),
        bpm,
        ..TrackInfo::default()
    }
}

fn placed(genre: &str) -> Option<(String, Vec<String>)> {
    let bp = local_blueprint(&track(genre, "Song", "", None))?;
    Some((bp.primary_genre, bp.sub_genre))
}

fn assert_placed(genre: &str, primary: &str, first_sub: Option<&str>) {
    let (got, subs) = placed(genre).unwrap_or_else(|| panic!("{genre:?} not placed"));
    assert_eq!(got, primary, "primary genre of {genre:?}");
    assert_eq!(
        subs.first().map(String::as_str),
        first_sub,
        "sub-genre of {genre:?}"
    );
}

#[test]
fn dj_genre_spellings_are_placed() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("Drum And Bass", "Drum & Bass", None),
        ("DnB", "Drum & Bass", None),
        ("D&B", "Drum & Bass", None),
        ("Drum n Bass", "Drum & Bass", None),
        ("Drum'n'Bass", "Drum & Bass", None),
        ("Jungle", "Drum & Bass", Some("Jungle")),
        ("Liquid Funk", "Drum & Bass", Some("Liquid Funk")),
        ("Neurofunk", "Drum & Bass", Some("Neurofunk")),
        ("Deep House", "House", Some("Deep House")),
        ("Tech House", "House", Some("Tech House")),
        ("Progressive House", "House", Some("Progressive House")),
        ("Afro House", "House", Some("Afro House")),
        (
            "Melodic House & Techno",
            "House",
            Some("Melodic House & Techno"),
        ),
        ("Minimal / Deep Tech", "Techno", Some("Minimal / Deep Tech")),
        ("UKG", "House", Some("UK Garage")),
        ("UK Garage", "House", Some("UK Garage")),
        ("Garage", "House", Some("UK Garage")),
        ("Speed Garage", "House", Some("Speed Garage")),
        ("Bassline", "House", Some("Bassline")),
        ("Electro", "Breaks", Some("Electro")),
        ("Dance", "House", None),
        ("EDM", "House", Some("EDM")),
        ("Electronic", "House", None),
        ("Big Room", "House", Some("Big Room")),
        ("Dubstep", "Breaks", Some("Dubstep")),
        ("Grime", "Hip Hop / Rap", Some("Grime")),
        ("Trap", "Hip Hop / Rap", Some("Trap")),
        ("Hardstyle", "Trance", Some("Hardstyle")),
        ("Hard Dance", "Trance", Some("Hard Dance")),
        ("Psy-Trance", "Trance", Some("Psytrance")),
        ("Hip-Hop", "Hip Hop / Rap", None),
        ("Rap", "Hip Hop / Rap", None),
        ("Soul", "Funk/Soul/Disco", Some("Soul")),
        ("Funk", "Funk/Soul/Disco", Some("Funk")),
        ("Disco", "Funk/Soul/Disco", Some("Disco")),
        ("Nu Disco", "Funk/Soul/Disco", Some("Nu Disco")),
        ("Dancehall", "Reggae", Some("Dancehall")),
        ("Soca", "Caribbean", Some("Soca")),
        ("Reggaetón", "Latin", Some("Reggaeton")),
        ("Afrobeats", "World", Some("Afrobeats")),
        ("Salsa", "Latin", Some("Salsa")),
        ("Bossa Nova", "Latin", Some("Bossa Nova")),
        ("Ambient", "Ambient/Downtempo", Some("Ambient")),
        ("Chillout", "Ambient/Downtempo", Some("Chillout")),
        ("Lo-Fi", "Ambient/Downtempo", Some("Lo-Fi")),
        ("Downtempo", "Ambient/Downtempo", Some("Downtempo")),
        ("Trip Hop", "Ambient/Downtempo", Some("Trip Hop")),
        ("Indie", "Rock", Some("Indie")),
        ("Alternative", "Rock", Some("Alternative")),
        ("Metal", "Rock", Some("Metal")),
        ("Punk", "Rock", Some("Punk")),
        ("Country", "Rock", Some("Country")),
        ("Soundtrack", "Film/Theatrical", Some("Soundtrack")),
        ("Classical", "Classical", None),
        ("Jazz", "Jazz", None),
        ("Blues", "Blues", None),
        ("Pop", "Pop", None),
        ("K-Pop", "Pop", Some("K-Pop")),
        ("Schlager", "Pop", Some("Schlager")),
        ("Urban", "R&B", Some("Urban")),
        ("R'n'B", "R&B", None),
        ("Latin", "Latin", None),
        ("Variété", "Pop", Some("Variété")),
        ("Rock & Roll", "Rock", Some("Rock & Roll")),
        ("House Music", "House", None),
        (
            "Funky / Groove / Jackin' House",
            "House",
            Some("Jackin House"),
        ),
    ];
    for &(genre, primary, sub) in cases {
        assert_placed(genre, primary, sub);
    }
}

#[test]
fn multi_part_genres_merge_what_the_parts_agree_on() {
    assert_placed("Hip Hop / R&B", "Hip Hop / Rap", Some("R&B"));
    assert_placed("Hip Hop / R&amp;B", "Hip Hop / Rap", Some("R&B"));
    let (primary, subs) = placed("Techno / Minimal Deep Tech").unwrap_or_default();
    assert_eq!(
        (primary.as_str(), subs),
        ("Techno", vec!["Minimal / Deep Tech".to_string()])
    );
    let (primary, subs) = placed("Alternative & Indie Rock & Dance").unwrap_or_default();
    assert_eq!(
        (primary.as_str(), subs),
        ("Rock", vec!["Alternative".into(), "Indie Rock".into()])
    );
    assert_placed("Electro, Dance", "Breaks", Some("Electro"));
    assert_placed("Dance & EDM", "House", Some("EDM"));
    assert_placed(
        "trance;hardstyle;kremkake;34;hard house",
        "Trance",
        Some("Hardstyle"),
    );
    assert_placed("SPEED GARAGE (ISH)", "House", Some("Speed Garage"));
    assert_placed("Soul and R&B", "R&B", Some("Soul"));
    assert_placed("House electronic;dance", "House", None);
}

#[test]
fn unknown_genre_tails_name_the_genre() {
    assert_placed("Chill Hip Hop", "Hip Hop / Rap", Some("Chill Hip Hop"));
    assert_placed("HARD TECHNO", "Techno", Some("Hard Techno"));
    assert_placed("Industrial Metal", "Rock", Some("Industrial Metal"));
    assert_placed("Contemporary R&B", "R&B", Some("Contemporary R&B"));
    assert_placed("Dutch Deep House", "House", Some("Dutch Deep House"));
}

#[test]
fn unplaceable_genres_are_misses() {
    for genre in [
        "",
        "  ",
        "Other",
        "cYb3rT3k",
        "Loop Samples",
        "DJ Tools",
        "140",
        "no genre",
    ] {
        assert_eq!(placed(genre), None, "{genre:?}");
    }
}

#[test]
fn decade_comes_from_year_or_a_decade_genre() {
    let cases = [
        ("1999", Some("1990s")),
        ("2020", Some("2020s")),
        ("1920", Some("1920s")),
    ];
    for (year, decade) in cases {
        assert_eq!(decade_of_year(year), decade, "{year}");
    }
    for year in ["", "0", "99", "1919", "2030", "abcd"] {
        assert_eq!(decade_of_year(year), None, "{year}");
    }
    assert_eq!(decade_of_year("2019/1/1"), Some("2010s"));
    let bp = local_blueprint(&track("80er", "Song", "", None));
    let bp = bp.unwrap_or_else(|| panic!("80er not placed"));
    assert_eq!(
        (bp.primary_genre.as_str(), bp.time_period),
        ("Pop", vec!["1980s".into()])
    );
    let bp = local_blueprint(&track("dance;90s;electronic", "Song", "1985", None));
    assert_eq!(bp.map(|b| b.time_period), Some(vec!["1980s".into()]));
}

#[test]
fn components_come_from_title_words() {
    let cases: &[(&str, &[&str])] = &[
        ("Song (Extended Mix)", &["Extended"]),
        ("Song (Radio Edit)", &["Edit"]),
        ("Song (Artist Re-Edit)", &["Edit"]),
        ("Song (Artist Rmx)", &["Remix"]),
        ("Song (Artist Bootleg)", &["Remix"]),
        ("Song (VIP)", &["Remix"]),
        ("Song (Instrumental)", &["Instrumental"]),
        ("Song (Dub Mix)", &["Instrumental"]),
        ("Song - A Cappella", &["Acapella"]),
        ("Song (Acapella)", &["Acapella"]),
        ("Song (Intro Edit)", &["Intro", "Edit"]),
        (
            "Song (DJ Intro) (Artist Remix) (Extended)",
            &["Remix", "Intro", "Extended"],
        ),
        ("Dub Be Good To Me", &[]),
        ("Intro To The Night", &[]),
        (
            "Vocal (Extended Vocal Mix) (Remix) (Intro)",
            &["Vocal", "Remix", "Intro"],
        ),
    ];
    for &(title, expected) in cases {
        assert_eq!(title_components(title), expected, "{title}");
    }
}

#[test]
fn version_words_follow_the_vocabulary_order() {
    let order: Vec<usize> = VERSION_WORDS
        .iter()
        .filter_map(|(c, ..)| COMPONENTS.iter().position(|k| k == c))
        .collect();
    assert_eq!(order.len(), VERSION_WORDS.len());
    assert!(order.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn energy_comes_from_genre_and_tempo() {
    let energy = |genre: &str, bpm: Option<f64>| {
        local_blueprint(&track(genre, "Song", "", bpm)).map(|b| b.energy_level)
    };
    assert_eq!(energy("Ambient", None), Some(2));
    assert_eq!(energy("Downtempo", None), Some(3));
    assert_eq!(energy("Deep House", Some(120.0)), Some(6));
    assert_eq!(energy("Techno", Some(132.0)), Some(7));
    assert_eq!(energy("Drum & Bass", Some(174.0)), Some(8));
    assert_eq!(
        energy("Drum & Bass", Some(87.0)),
        Some(8),
        "half-time reading"
    );
    assert_eq!(energy("Hardstyle", Some(150.0)), Some(9));
    assert_eq!(energy("Techno", Some(145.0)), Some(8), "fast techno");
    assert_eq!(energy("Techno", Some(165.0)), Some(9), "very fast techno");
    assert_eq!(energy("House", Some(112.0)), Some(6), "slow house");
    assert_eq!(energy("House", Some(100.0)), Some(5), "very slow house");
    assert_eq!(energy("Ambient", Some(50.0)), Some(1), "clamped");
    assert_eq!(energy("Speedcore", Some(300.0)), Some(10), "clamped");
    assert_eq!(energy("House", Some(f64::NAN)), Some(7));
    assert_eq!(energy("House", Some(0.0)), Some(7));
}

#[test]
fn moods_stay_in_the_vocabularies() {
    let bp = local_blueprint(&track("Deep House", "Song", "2015", Some(122.0)));
    let bp = bp.unwrap_or_else(|| panic!("not placed"));
    assert_eq!(bp.energy_vibe, ["Mellow", "Hypnotic"]);
    assert_eq!(bp.situation_environment, ["Lounge", "Warmup"]);
    for (name, vibes, situations) in MOODS {
        let subs = vec![name.to_string()];
        let raw = Placement {
            primary: "House",
            subs,
            energy: 5,
        };
        assert_eq!(mood(&raw), (*vibes, *situations));
        let bp = Blueprint {
            primary_genre: "House".into(),
            sub_genre: vec![],
            energy_level: 5,
            energy_vibe: vibes.iter().copied().map(String::from).collect(),
            situation_environment: situations.iter().copied().map(String::from).collect(),
            components: vec![],
            time_period: vec![],
        };
        let valid = bp
            .clone()
            .validated()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(valid, bp, "{name}");
    }
}

#[test]
fn tempo_tables_name_known_genres() {
    for &(genre, word, low, high) in SUB_TEMPOS {
        assert!(GENRES.contains(&genre) && low < high, "{genre} {word}");
    }
    for &(genre, low, high) in PRIMARY_TEMPOS {
        assert!(GENRES.contains(&genre) && low < high, "{genre}");
    }
}

#[test]
fn alias_table_is_sorted_folded_and_valid() {
    for pair in ALIASES.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "{:?} before {:?}",
            pair[0].0,
            pair[1].0
        );
    }
    for &(key, primary, sub, energy) in ALIASES {
        assert_eq!(fold_words(key), key, "key not folded");
        assert!(GENRES.contains(&primary), "{key}: {primary}");
        assert!((1..=10).contains(&energy), "{key}: energy {energy}");
        let bp = local_blueprint(&track(key, "Song", "", None));
        let bp = bp.unwrap_or_else(|| panic!("{key} not placed"));
        assert_eq!(bp.primary_genre, primary, "{key}");
        let expected_sub: Vec<&str> = (!sub.is_empty()).then_some(sub).into_iter().collect();
        assert_eq!(
            bp.sub_genre, expected_sub,
            "{key}: sub-genre lost in validation"
        );
    }
    assert!(ALIASES.len() >= 250);
}

#[test]
fn folding_meets_the_common_spellings() {
    let same = [
        "Drum & Bass",
        "drum and bass",
        "Drum 'n' Bass",
        "DRUM+BASS",
        "drum  n  bass",
    ];
    for spelling in same {
        assert_eq!(fold_words(spelling), "drum and bass", "{spelling}");
    }
    assert_eq!(fold_words("R&B"), "r and b");
    assert_eq!(fold_words("Jackin' House"), "jackin house");
    assert_eq!(fold_words("Électro-Swing"), "electro swing");
    assert_eq!(split_joined("Electro& Dance"), ["Electro", "Dance"]);
    assert_eq!(split_joined("R&B and Soul"), ["R&B", "Soul"]);
}
