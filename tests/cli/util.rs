//! Small helpers shared by the tests.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Where the real exports are: never copied into the repository, read from ../shared. The
/// tests that read them are ignored where the folder is absent (see build.rs).
fn real_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real")
}

/// The real rekordbox exports, at least five of them: an emptied folder fails, never passes.
pub fn real_exports() -> Vec<PathBuf> {
    real_files(5, |p, bytes| {
        p.extension().is_some_and(|x| x == "xml") && bytes.windows(12).any(|w| w == b"DJ_PLAYLISTS")
    })
}

/// The real Traktor collections.
pub fn real_traktor_collections() -> Vec<PathBuf> {
    real_files(3, |p, _| p.extension().is_some_and(|x| x == "nml"))
}

/// The real VirtualDJ databases.
pub fn real_virtualdj_databases() -> Vec<PathBuf> {
    let vdj = |bytes: &[u8]| bytes.windows(18).any(|w| w == b"VirtualDJ_Database");
    real_files(1, |p, bytes| {
        p.extension().is_some_and(|x| x == "xml") && vdj(bytes)
    })
}

fn real_files(at_least: usize, keep: impl Fn(&Path, &[u8]) -> bool) -> Vec<PathBuf> {
    let dir = real_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| std::fs::read(p).is_ok_and(|b| keep(p, &b)))
        .collect();
    files.sort();
    assert!(
        files.len() >= at_least,
        "{}: {} files of the kind, {at_least} expected",
        dir.display(),
        files.len()
    );
    files
}

/// A temp folder with its own cache; commands run with no provider configured.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("cache.sqlite3")
    }

    /// Copies a file into the sandbox, so tests can check it is never modified.
    pub fn copy(&self, from: &Path, name: &str) -> PathBuf {
        let to = self.path(name);
        std::fs::copy(from, &to).expect("copy fixture");
        to
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let to = self.path(name);
        std::fs::write(&to, bytes).expect("write file");
        to
    }

    /// The binary with this sandbox's cache and no provider configured.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.spawnable())
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run taggenius")
    }

    /// Imports blueprints as JSON Lines, the way a user restores a cache.
    pub fn import(&self, lines: &str) {
        let out = self
            .cmd()
            .args(["cache", "import", "-"])
            .write_stdin(lines)
            .output()
            .expect("import");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// The byte ranges where two files differ, as (line, old, new) triples of whole lines.
pub fn changed_lines(before: &[u8], after: &[u8]) -> Vec<(String, String)> {
    let old: Vec<&[u8]> = before.split(|&b| b == b'\n').collect();
    let new: Vec<&[u8]> = after.split(|&b| b == b'\n').collect();
    assert_eq!(old.len(), new.len(), "line count changed");
    old.iter()
        .zip(&new)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (text(a), text(b)))
        .collect()
}

/// Checks that `after` equals `before` except inside the values of `allowed` attributes, or
/// where such attributes were inserted, by removing those attributes from both and comparing.
pub fn assert_only_attributes_changed(before: &[u8], after: &[u8], allowed: &[&str]) {
    let strip = |bytes: &[u8]| -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        'outer: while i < bytes.len() {
            for name in allowed {
                let pat = format!(" {name}=\"");
                if bytes[i..].starts_with(pat.as_bytes()) {
                    let start = i + pat.len();
                    if let Some(end) = bytes[start..].iter().position(|&b| b == b'"') {
                        i = start + end + 1;
                        continue 'outer;
                    }
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        out
    };
    let (a, b) = (strip(before), strip(after));
    if a != b {
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "output differs outside {allowed:?} near byte {at}: {:?} vs {:?}",
            text(&a[at.saturating_sub(60)..(at + 60).min(a.len())]),
            text(&b[at.saturating_sub(60)..(at + 60).min(b.len())])
        );
    }
}

pub const DAFT_PUNK: &str = r#"{"artist":"Daft Punk","title":"Around The World","source":"gpt-4o-mini","created_at":1700000000,"blueprint":{"primary_genre":"House","sub_genre":["French House","Disco House","Filter House"],"energy_level":9,"energy_vibe":["Uplifting","Funky","Energetic"],"situation_environment":["Peak Hour","Pre-Party","Sunset"],"components":["Vocal","Keys","Strings"],"time_period":["1990s"]}}"#;

/// The binary itself, for runs a test must interrupt or run side by side.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_taggenius"))
}

impl Sandbox {
    /// Like `cmd`, as a `std::process::Command` that can be spawned, signalled and killed.
    pub fn spawnable(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(binary());
        cmd.env("TAGGENIUS_DB", self.db())
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("TAGGENIUS_MODEL")
            .env_remove("TAGGENIUS_CONFIG")
            .env_remove("NO_COLOR")
            // The user's own config.toml stays out of the tests: the config folder is the
            // sandbox's (where a test may write one).
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("HOME", self.dir.path())
            .current_dir(self.dir.path());
        cmd
    }
}

/// A small rekordbox library of `(artist, title, genre)` tracks, one per line, LF endings.
pub fn library_of(tracks: &[(&str, &str, &str)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DJ_PLAYLISTS Version=\"1.0.0\">\n  \
         <PRODUCT Name=\"rekordbox\" Version=\"7.0.9\" Company=\"AlphaTheta\"/>\n  \
         <COLLECTION Entries=\"{}\">\n",
        tracks.len()
    );
    for (i, (artist, title, genre)) in tracks.iter().enumerate() {
        xml.push_str(&format!(
            "    <TRACK TrackID=\"{n}\" Name=\"{}\" Artist=\"{}\" Genre=\"{}\" Year=\"2001\" \
             AverageBpm=\"124.00\" Comments=\"\" Location=\"file://localhost/Music/{n}.mp3\"/>\n",
            esc(title),
            esc(artist),
            esc(genre),
            n = i + 1
        ));
    }
    xml.push_str("  </COLLECTION>\n  <PLAYLISTS>\n    <NODE Type=\"0\" Name=\"ROOT\" Count=\"0\"/>\n  </PLAYLISTS>\n</DJ_PLAYLISTS>\n");
    xml
}

/// Distinct House tracks named "Artist i" / "Track i", for each i in `numbers`.
pub fn numbered_library(numbers: std::ops::RangeInclusive<usize>) -> String {
    let names: Vec<(String, String)> = numbers
        .map(|i| (format!("Artist {i}"), format!("Track {i}")))
        .collect();
    let tracks: Vec<(&str, &str, &str)> = names
        .iter()
        .map(|(a, t)| (a.as_str(), t.as_str(), "House"))
        .collect();
    library_of(&tracks)
}

/// The `--json` summary a run printed.
pub fn summary(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {:?}; stderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// Tags `name` with every field (offline guesses, or through `mock`) into `tagged.<ext>`,
/// checks that `untouched` makes the same of the file before and after (what tagging may not
/// change) and that `clear` gives the file back byte for byte; returns the tagged text.
pub fn tag_and_clear(
    sb: &Sandbox,
    name: &str,
    mock: Option<&crate::mock::Mock>,
    untouched: fn(&str) -> String,
) -> String {
    let ext = Path::new(name)
        .extension()
        .map_or(String::new(), |e| e.to_string_lossy().into_owned());
    let (tagged, cleared) = (format!("tagged.{ext}"), format!("cleared.{ext}"));
    let before = std::fs::read_to_string(sb.path(name)).unwrap();
    let args = [
        "tag",
        name,
        "-q",
        "-o",
        &tagged,
        "--write",
        "genre,comments,colour,rating",
    ];
    let out = match mock {
        Some(mock) => mock.run(sb, &args),
        None => sb.run(&args),
    };
    assert!(matches!(code(&out), 0 | 3), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(sb.path(&tagged)).unwrap();
    assert!(
        untouched(&before) == untouched(&after),
        "{name}: tagging changed more than the values it writes"
    );
    let out = sb.run(&["clear", &tagged, "-q", "-o", &cleared]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        std::fs::read(sb.path(&cleared)).unwrap() == before.as_bytes(),
        "clear did not give {name} back"
    );
    after
}
