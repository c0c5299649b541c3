//! `-o` onto what is not a plain file: a link is followed and its target replaced, a pipe or a
//! device is written into as it is, a folder is refused. Every path is private to the test: a
//! test that went wrong here must never be able to replace a system file.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{code, library_of, text, Sandbox, DAFT_PUNK};

/// The library `tag` writes to a plain file for a track whose blueprint is in the cache.
fn plain_output(sb: &Sandbox) -> Vec<u8> {
    sb.import(DAFT_PUNK);
    sb.write(
        "lib.xml",
        library_of(&[("Daft Punk", "Around The World", "House")]),
    );
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "plain.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    std::fs::read(sb.path("plain.xml")).unwrap()
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[test]
fn a_link_is_kept_and_its_target_replaced() {
    let sb = Sandbox::new();
    let expected = plain_output(&sb);
    std::fs::create_dir(sb.path("synced")).unwrap();
    std::fs::write(sb.path("synced/collection.xml"), "old").unwrap();
    std::os::unix::fs::symlink("synced/collection.xml", sb.path("link.xml")).unwrap();
    // A link to a link, relative to its own folder.
    std::os::unix::fs::symlink("../link.xml", sb.path("synced/again.xml")).unwrap();

    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "link.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(is_link(&sb.path("link.xml")), "the link was replaced");
    assert_eq!(
        std::fs::read(sb.path("synced/collection.xml")).unwrap(),
        expected
    );

    std::fs::write(sb.path("synced/collection.xml"), "old").unwrap();
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "synced/again.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(is_link(&sb.path("synced/again.xml")) && is_link(&sb.path("link.xml")));
    assert_eq!(
        std::fs::read(sb.path("synced/collection.xml")).unwrap(),
        expected
    );
    // No temp file is left beside the link or the target.
    assert_eq!(
        std::fs::read_dir(sb.path("synced")).unwrap().count(),
        2,
        "{:?}",
        sb.files()
    );
}

#[test]
fn a_dangling_link_gets_its_target_created_and_a_link_to_the_input_is_refused() {
    let sb = Sandbox::new();
    let expected = plain_output(&sb);
    std::os::unix::fs::symlink("made.xml", sb.path("dangling.xml")).unwrap();
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "dangling.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(is_link(&sb.path("dangling.xml")));
    assert_eq!(std::fs::read(sb.path("made.xml")).unwrap(), expected);

    let input = std::fs::read(sb.path("lib.xml")).unwrap();
    std::os::unix::fs::symlink("lib.xml", sb.path("to-input.xml")).unwrap();
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "to-input.xml"]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("overwrite the input"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(sb.path("lib.xml")).unwrap(), input);
}

#[test]
fn a_file_replaced_keeps_its_permissions() {
    let sb = Sandbox::new();
    plain_output(&sb);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    std::fs::set_permissions(sb.path("plain.xml"), PermissionsExt::from_mode(0o640)).unwrap();
    let out = sb.run(&[
        "tag",
        "lib.xml",
        "-q",
        "-o",
        "plain.xml",
        "--level",
        "detailed",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(mode(&sb.path("plain.xml")), 0o640);
}

/// Makes a FIFO with the system's `mkfifo`, which every Unix has.
fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(
        made.as_ref().is_ok_and(|s| s.success()),
        "mkfifo failed: {made:?}"
    );
}

#[test]
fn a_named_pipe_is_written_into_not_replaced() {
    let sb = Sandbox::new();
    let expected = plain_output(&sb);
    let fifo = sb.path("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo))
    };
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "pipe"]);
    // Checked first: a reader left waiting on a pipe that was replaced would wait forever.
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced by {kind:?}");
    if !reader.is_finished() {
        // The run failed before it opened the pipe: let the reader see an empty one.
        let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
    }
    let waited = Instant::now();
    while !reader.is_finished() {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the reader hangs"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let read = reader.join().unwrap().unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(read, expected);
}

#[test]
fn a_link_to_this_process_standard_output_writes_there() {
    let sb = Sandbox::new();
    let expected = plain_output(&sb);
    // What `-o /dev/stdout` resolves to, through a link of the test's own.
    std::os::unix::fs::symlink("/proc/self/fd/1", sb.path("stdout.xml")).unwrap();
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "stdout.xml"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(out.stdout, expected);
    assert!(is_link(&sb.path("stdout.xml")));
}

#[test]
#[cfg_attr(not(privileged), ignore = "needs root, who may make a device file")]
fn a_character_device_is_written_into_not_replaced() {
    let sb = Sandbox::new();
    plain_output(&sb);
    let device = sb.path("null");
    // The null device's numbers; only a privileged user may make one, on a file system that
    // allows devices.
    let made = std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status();
    let usable = made.is_ok_and(|s| s.success())
        && std::fs::OpenOptions::new()
            .write(true)
            .open(&device)
            .is_ok();
    assert!(
        usable,
        "root could not make a usable device in the temp folder"
    );
    let out = sb.run(&["tag", "lib.xml", "-q", "-o", "null"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let kind = std::fs::symlink_metadata(&device).unwrap().file_type();
    assert!(kind.is_char_device(), "the device was replaced by {kind:?}");
    let mut left = Vec::new();
    std::fs::File::open(&device)
        .unwrap()
        .read_to_end(&mut left)
        .unwrap();
    assert!(left.is_empty());
}

#[test]
fn a_folder_or_a_link_to_one_is_refused_with_nothing_written() {
    let sb = Sandbox::new();
    plain_output(&sb);
    std::fs::create_dir(sb.path("folder")).unwrap();
    std::os::unix::fs::symlink("folder", sb.path("link-to-folder")).unwrap();
    for target in ["folder", "link-to-folder"] {
        let started = Instant::now();
        let out = sb.run(&["tag", "lib.xml", "-q", "-o", target]);
        assert_eq!(code(&out), 1);
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(target) && stderr.contains("is a directory"),
            "{stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    assert_eq!(std::fs::read_dir(sb.path("folder")).unwrap().count(), 0);
    assert!(is_link(&sb.path("link-to-folder")));
}
