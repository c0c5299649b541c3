//! Playlists as `.m3u8` files in a folder tree, for VirtualDJ, which keeps its playlists
//! outside database.xml (in its Playlists folder). The tree is written beside the old one and
//! swapped in, so a failed run leaves the old playlists whole; a marker file tells taggenius's
//! folder from a folder of the user's with the same name, which is left alone.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::library::{Field, Library};
use crate::playlists::{Node, FOLDER, SAVED};

/// The file that marks a folder as taggenius's to replace or remove.
const MARKER: &str = ".taggenius-playlists";
const MARKER_TEXT: &str =
    "Written by taggenius: this folder is replaced by the next run with --playlists-dir, and removed by clear.\n";

/// What was written.
pub struct FilesWritten {
    pub count: usize,
    pub folder: PathBuf,
    pub notice: Option<String>,
}

/// Writes `node` (the `taggenius` folder) under `dir`, replacing the one taggenius wrote there.
pub fn write_folder(dir: &Path, node: &Node, lib: &Library) -> Result<FilesWritten> {
    let shown = dir.display();
    fs::create_dir_all(dir).with_context(|| format!("{shown}: cannot create the folder"))?;
    let (target, notice) = free_folder(dir);
    let staging = tempfile::Builder::new()
        .prefix(".taggenius-new-")
        .tempdir_in(dir)
        .with_context(|| format!("{shown}: cannot write into the folder"))?;
    let mut count = 0;
    if let Node::Folder { children, .. } = node {
        for child in children {
            write_node(staging.path(), child, lib, &mut count)?;
        }
    }
    fs::write(staging.path().join(MARKER), MARKER_TEXT)?;
    // The playlists `find` and `set` saved are the user's, not this run's: they stay.
    for saved in SAVED {
        let kept = target.join(saved);
        if is_ours(&target) && kept.is_dir() {
            fs::rename(&kept, staging.path().join(saved))
                .with_context(|| format!("{}: cannot keep", kept.display()))?;
        }
    }
    let staged = staging.keep();
    swap_in(&staged, &target).with_context(|| format!("{}: cannot replace", target.display()))?;
    Ok(FilesWritten {
        count,
        folder: target,
        notice,
    })
}

/// Writes each of `playlists` as `taggenius/FOLDER/NAME.m3u8` under `dir` (FOLDER: Queries or
/// Sets), replacing files of those names; returns their paths.
pub fn write_saved(
    dir: &Path,
    folder: &str,
    playlists: &[Node],
    lib: &Library,
) -> Result<Vec<PathBuf>> {
    let (ours, _) = free_folder(dir);
    let saved = ours.join(folder);
    fs::create_dir_all(&saved)
        .with_context(|| format!("{}: cannot create the folder", saved.display()))?;
    if !ours.join(MARKER).is_file() {
        fs::write(ours.join(MARKER), MARKER_TEXT)?;
    }
    let mut written = Vec::new();
    for node in playlists {
        let Node::Playlist { name, tracks } = node else {
            anyhow::bail!("internal error: a saved playlist is one playlist");
        };
        let path = saved.join(format!("{}.m3u8", file_name(name)));
        crate::library::output::write_atomically(&path, |w| {
            w.write_all(playlist(lib, tracks).as_bytes())
        })
        .with_context(|| format!("{}: cannot write", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Removes every folder under `dir` that taggenius wrote; how many there were.
pub fn remove_folders(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(0);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry.file_name().to_string_lossy().starts_with(FOLDER);
        if named && is_ours(&path) {
            fs::remove_dir_all(&path)
                .with_context(|| format!("{}: cannot remove", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn is_ours(folder: &Path) -> bool {
    folder.join(MARKER).is_file() && !fs::symlink_metadata(folder).is_ok_and(|m| m.is_symlink())
}

/// `DIR/taggenius`, or `taggenius (2)`… where a folder of the user's has the name.
fn free_folder(dir: &Path) -> (PathBuf, Option<String>) {
    let usable = |path: &Path| !path.exists() || is_ours(path);
    let first = dir.join(FOLDER);
    if usable(&first) {
        return (first, None);
    }
    let other = (2..)
        .map(|n| dir.join(format!("{FOLDER} ({n})")))
        .find(|path| usable(path))
        .unwrap_or(first.clone());
    let notice = format!(
        "{} is a folder of yours; it was left alone and the playlists went into {}",
        first.display(),
        other.display()
    );
    (other, Some(notice))
}

/// Puts `staged` where `target` is, moving an old target aside first and removing it after.
fn swap_in(staged: &Path, target: &Path) -> std::io::Result<()> {
    if target.exists() {
        let old = staged.with_extension("old");
        fs::rename(target, &old)?;
        fs::rename(staged, target)?;
        fs::remove_dir_all(&old)
    } else {
        fs::rename(staged, target)
    }
}

fn write_node(dir: &Path, node: &Node, lib: &Library, count: &mut usize) -> Result<()> {
    match node {
        Node::Folder { name, children } => {
            let sub = dir.join(file_name(name));
            fs::create_dir_all(&sub)?;
            for child in children {
                write_node(&sub, child, lib, count)?;
            }
        }
        Node::Playlist { name, tracks } => {
            let path = dir.join(format!("{}.m3u8", file_name(name)));
            fs::write(&path, playlist(lib, tracks))
                .with_context(|| format!("{}: cannot write", path.display()))?;
            *count += 1;
        }
    }
    Ok(())
}

/// An extended M3U playlist: each track's `#EXTINF` line and its file.
fn playlist(lib: &Library, tracks: &[usize]) -> String {
    let mut text = String::from("#EXTM3U\n");
    for &index in tracks {
        let entry = &lib.tracks[index];
        let path = lib.value(entry, Field::Location);
        if path.is_empty() {
            continue;
        }
        let (artist, title) = lib.artist_and_title(entry);
        let shown = match artist.is_empty() {
            true => title,
            false => format!("{artist} - {title}"),
        };
        let shown: String = shown.chars().filter(|c| !c.is_control()).collect();
        text.push_str(&format!("#EXTINF:-1,{shown}\n{}\n", path.trim()));
    }
    text
}

/// A playlist or folder name as a file name on every system: no separators or characters
/// Windows refuses, no trailing dot or space.
pub fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' => '-',
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim_end_matches(['.', ' ']).trim_start();
    if trimmed.is_empty() {
        "_".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_file_names_on_every_system() {
        assert_eq!(file_name("Hip Hop / Rap"), "Hip Hop - Rap");
        assert_eq!(file_name("Ambient/Downtempo"), "Ambient-Downtempo");
        assert_eq!(file_name("What? \"No\"."), "What_ _No_");
        assert_eq!(file_name(".."), "_");
    }
}
