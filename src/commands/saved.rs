//! What `find` and `set` share: their opening (the cache, the library read and looked up, and
//! where `--playlist` goes, checked before anything is worked out), and the playlists the user
//! asks for by name — `find --playlist` into `taggenius/Queries`, `set --playlist` into
//! `taggenius/Sets` — written into the library's own tree or, for VirtualDJ, as `.m3u8` files
//! under `--playlists-dir`.

use std::path::Path;

use anyhow::{anyhow, bail, Result};

use crate::cache::{Cache, Found};
use crate::cli::SavedTo;
use crate::error::UsageError;
use crate::interrupt;
use crate::job::prepared::Prepared;
use crate::library::output::Output;
use crate::library::playlist_tree::{place, Content, Node};
use crate::library::Library;
use crate::playlists::m3u;

/// The cache, the library with its cache keys and the blueprints found for them, and the
/// output `--playlist` writes (`None` without one).
pub struct Opened {
    pub cache: Cache,
    pub prepared: Prepared,
    pub found: Found,
    pub output: Option<Output>,
}

/// Opens the cache at `db` and `library` (else the one the last `tag` read) for a command that
/// writes `--playlist` where `to` says, when `playlist` is asked for.
pub fn open(db: &Path, library: Option<&str>, playlist: bool, to: &SavedTo) -> Result<Opened> {
    let (cache, library) = crate::job::open::open(db, library)?;
    let output = match playlist {
        true => Some(Output::choose(&library, to.target(), "tagged")?),
        false => None,
    };
    interrupt::phase("reading");
    let prepared = Prepared::new(Library::read(&library)?);
    interrupt::check()?;
    check_target(&prepared.library, playlist, to.playlists_dir.as_deref())?;
    let found = prepared.lookup(&cache)?;
    Ok(Opened {
        cache,
        prepared,
        found,
        output,
    })
}

/// Where the playlists go.
pub struct Destination<'a> {
    pub output: &'a Output,
    pub playlists_dir: Option<&'a Path>,
}

/// `--playlist` writes into the library's own tree, or for VirtualDJ into `--playlists-dir`.
fn check_target(lib: &Library, playlist: bool, dir: Option<&Path>) -> Result<(), UsageError> {
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
        bail!("no track matches; no playlist was written");
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
