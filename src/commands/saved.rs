//! Playlists the user asks for by name — `find --playlist` into `taggenius/Queries`, `set
//! --playlist` into `taggenius/Sets` — written into the library's own tree or, for VirtualDJ,
//! as `.m3u8` files under `--playlists-dir`.

use std::path::Path;

use anyhow::{anyhow, bail, Result};

use crate::cache::Cache;
use crate::error::UsageError;
use crate::library::output::Output;
use crate::library::playlist_tree::{place, Content, Node};
use crate::library::Library;
use crate::playlists::m3u;

/// Where the playlists go.
pub struct Destination<'a> {
    pub output: &'a Output,
    pub playlists_dir: Option<&'a Path>,
}

/// `--playlist` writes into the library's own tree, or for VirtualDJ into `--playlists-dir`.
pub fn check_target(lib: &Library, playlist: bool, dir: Option<&Path>) -> Result<(), UsageError> {
    let in_file = lib.format().playlists().is_some();
    match (playlist, in_file, dir) {
        (true, false, None) => Err(UsageError(format!(
            "a {} keeps no playlists inside it: add --playlists-dir DIR to write the playlist as an .m3u8 file there",
            lib.format().name()
        ))),
        (_, true, Some(_)) => Err(UsageError(format!(
            "--playlists-dir is for VirtualDJ; a {} keeps its playlists inside it",
            lib.format().name()
        ))),
        _ => Ok(()),
    }
}

/// `playlists` as `taggenius/FOLDER/NAME`, replacing those of the same names; reports each on
/// stderr as "N tracks in taggenius/FOLDER/NAME → where".
pub fn write(
    cache: &Cache,
    lib: &Library,
    folder: &str,
    playlists: &[Node],
    to: Destination,
) -> Result<()> {
    let counts: Vec<(usize, &str)> = playlists
        .iter()
        .map(|p| (p.playlists().iter().map(|(_, t)| t.len()).sum(), p.name()))
        .collect();
    if counts.iter().any(|(count, _)| *count == 0) {
        bail!("no track for the playlist; no playlist was written");
    }
    if let Some(dir) = to.playlists_dir {
        let written = m3u::write_saved(dir, folder, playlists, lib)?;
        for ((count, _), path) in counts.iter().zip(written) {
            eprintln!("taggenius: {count} tracks → {}", path.display());
        }
        return Ok(());
    }
    let format = lib
        .format()
        .playlists()
        .ok_or_else(|| anyhow!("{}: keeps no playlists", lib.name))?;
    let known = cache.playlist_folders()?;
    let content = Content::Saved { folder, playlists };
    let mut placed = place(lib, format, content, &|e| known.contains(e))
        .map_err(|e| anyhow!("{}: cannot add the playlist: {e:#}", lib.name))?;
    if let Some(written) = placed.folder() {
        cache.remember_playlist_folder(&written)?;
    }
    let backup = to.output.write(lib.bytes(), &mut placed.edits)?;
    if let Some(notice) = &placed.notice {
        eprintln!("taggenius: {notice}");
    }
    let kept = match backup {
        Some(backup) => format!(" (the library as it was is kept in {})", backup.display()),
        None => String::new(),
    };
    for (count, name) in counts {
        eprintln!(
            "taggenius: {count} tracks in {}/{folder}/{name} → {}{kept}",
            placed.name,
            to.output.describe()
        );
    }
    Ok(())
}
