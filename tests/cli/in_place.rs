//! `--in-place`: the library is written over, after a backup of it is kept beside it; a run
//! that fails leaves it as it was.

use std::path::Path;
use std::time::Duration;

use crate::mock::{Mock, Reply, KEY};
use crate::util::{code, library_of, text, Sandbox, DAFT_PUNK};

fn backups(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".taggenius-backup-"))
        .collect();
    names.sort();
    names
}

fn daft_punk_library(sb: &Sandbox) -> Vec<u8> {
    sb.import(DAFT_PUNK);
    let lib = library_of(&[("Daft Punk", "Around The World", "House")]);
    sb.write("collection.xml", &lib);
    lib.into_bytes()
}

#[test]
fn the_library_is_replaced_after_a_backup_and_clear_in_place_gives_it_back() {
    let sb = Sandbox::new();
    let original = daft_punk_library(&sb);
    let out = sb.run(&[
        "tag",
        "collection.xml",
        "--offline",
        "-q",
        "-o",
        "expected.xml",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let expected = std::fs::read(sb.path("expected.xml")).unwrap();

    let out = sb.run(&["tag", "collection.xml", "--offline", "--in-place", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(std::fs::read(sb.path("collection.xml")).unwrap(), expected);
    let kept = backups(sb.dir.path());
    // The summary says where the library as it was is kept, in words and in the JSON.
    let said = format!(
        "→ collection.xml (the library as it was is kept in {})",
        kept[0]
    );
    assert!(text(&out.stderr).contains(&said), "{}", text(&out.stderr));
    assert_eq!(crate::util::summary(&out)["backup"], kept[0].as_str());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].starts_with("collection.taggenius-backup-") && kept[0].ends_with(".xml"),
        "{kept:?}"
    );
    assert_eq!(std::fs::read(sb.path(&kept[0])).unwrap(), original);

    // A second run never overwrites the first backup, even within the same second.
    let out = sb.run(&["clear", "collection.xml", "--in-place", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(std::fs::read(sb.path("collection.xml")).unwrap(), original);
    let kept_now = backups(sb.dir.path());
    assert_eq!(kept_now.len(), 2, "{kept_now:?}");
    assert_eq!(std::fs::read(sb.path(&kept[0])).unwrap(), original);
    // `retag` without LIBRARY takes the collection `tag` read.
    let out = sb.run(&["retag", "--in-place", "-q", "--level", "essential"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let now = String::from_utf8(std::fs::read(sb.path("collection.xml")).unwrap()).unwrap();
    assert!(now.contains("Genre=\"House, French House\""), "{now}");
}

#[test]
fn a_collection_behind_a_link_keeps_its_link() {
    let sb = Sandbox::new();
    let original = daft_punk_library(&sb);
    std::fs::create_dir(sb.path("synced")).unwrap();
    std::fs::rename(sb.path("collection.xml"), sb.path("synced/collection.xml")).unwrap();
    std::os::unix::fs::symlink("synced/collection.xml", sb.path("collection.xml")).unwrap();
    let out = sb.run(&["tag", "collection.xml", "--offline", "--in-place", "-q"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let link = std::fs::symlink_metadata(sb.path("collection.xml")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let tagged = std::fs::read(sb.path("synced/collection.xml")).unwrap();
    assert_ne!(tagged, original);
    let kept = backups(sb.dir.path());
    assert_eq!(kept.len(), 1, "kept beside the link: {kept:?}");
    assert_eq!(std::fs::read(sb.path(&kept[0])).unwrap(), original);
}

#[test]
fn a_failed_run_leaves_the_library_and_makes_no_backup() {
    let sb = Sandbox::new();
    let lib = library_of(&[("Someone", "Unknown Track", "Nu-Bossa Fusion")]);
    sb.write("collection.xml", &lib);
    let mock = Mock::start(Duration::ZERO, |_, _| Reply::unauthorized(KEY));
    let out = mock.run(&sb, &["tag", "collection.xml", "--in-place", "-q"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(sb.path("collection.xml")).unwrap(),
        lib
    );
    assert_eq!(backups(sb.dir.path()), Vec::<String>::new());
}

#[test]
fn in_place_needs_a_file_and_no_output() {
    let sb = Sandbox::new();
    daft_punk_library(&sb);
    let out = sb
        .cmd()
        .args(["tag", "-", "--offline", "--in-place"])
        .write_stdin("<DJ_PLAYLISTS/>")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--in-place needs a library file"),
        "{}",
        text(&out.stderr)
    );
    let out = sb.run(&["tag", "collection.xml", "--in-place", "-o", "x.xml"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--in-place"),
        "{}",
        text(&out.stderr)
    );
    assert!(!sb.path("x.xml").exists());
}

/// A disk that fills while the library is written (a file-size limit: the backup fits, the
/// larger tagged library does not): the library stays as it was, and neither the backup nor
/// the temp file is left.
#[test]
fn a_full_disk_during_in_place_leaves_the_library_and_no_backup() {
    use std::os::unix::process::CommandExt;
    let sb = Sandbox::new();
    sb.write("lib.xml", crate::util::numbered_library(1..=300));
    let out = sb.run(&["tag", "lib.xml", "--provider", "local", "-q", "-o", "t.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let input = std::fs::read(sb.path("lib.xml")).unwrap();
    let limit = input.len() as u64 + 4096;
    assert!(std::fs::metadata(sb.path("t.xml")).unwrap().len() > limit);
    let mut cmd = sb.spawnable();
    cmd.args(["retag", "lib.xml", "--in-place"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // A write past the limit then fails with EFBIG instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let size = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &size) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("taggenius: lib.xml: cannot write") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(std::fs::read(sb.path("lib.xml")).unwrap(), input);
    let mut after = sb.files();
    after.retain(|f| !f.starts_with("cache.sqlite3"));
    assert_eq!(
        after,
        ["lib.xml", "t.xml"],
        "a backup or temp file was left"
    );
}
