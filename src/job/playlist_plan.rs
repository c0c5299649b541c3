//! The playlists a run writes: the `taggenius` folder built from the tags, placed in the
//! library's own playlist tree, or written as .m3u8 files for VirtualDJ.

use std::path::PathBuf;

use anyhow::{anyhow, Result};

use crate::cache::{Cache, Cached};
use crate::error::UsageError;
use crate::job::prepared::Prepared;
use crate::job::summary::{PlaylistsWritten, Summary};
use crate::job::RenderSettings;
use crate::library::format::Format;
use crate::library::playlist_tree::{place, Content, Placed};
use crate::playlists::order::{once_per_entry, playing_order};
use crate::playlists::{build, m3u, Node};

/// The playlists a run writes.
#[derive(Default)]
pub enum Planned {
    #[default]
    Nothing,
    /// Edits to the library's own tree, made with the tracks'.
    InLibrary { placed: Placed, count: usize },
    /// Files under a folder, written once the library is.
    Files { dir: PathBuf, node: Node },
}

impl Planned {
    pub fn tail(&self) -> &[crate::library::splice::Edit] {
        match self {
            Planned::InLibrary { placed, .. } => &placed.edits,
            _ => &[],
        }
    }

    /// The folder written into the library, for the cache to know it by.
    pub fn folder(&self) -> Option<Vec<&[u8]>> {
        match self {
            Planned::InLibrary { placed, .. } => placed.folder(),
            _ => None,
        }
    }
}

/// Checked before anything is asked for or written: where the format keeps its playlists.
pub fn check(format: &dyn Format, args: &RenderSettings) -> Result<(), UsageError> {
    match (format.playlists().is_some(), &args.playlists_dir, &args.playlists) {
        (true, Some(_), _) => Err(UsageError(format!(
            "--playlists-dir writes .m3u8 files for VirtualDJ; a {} keeps its playlists inside it: use --playlists",
            format.name()
        ))),
        (false, None, Some(_)) if !args.playlists_from_config => Err(UsageError(format!(
            "a {} keeps no playlists inside it: add --playlists-dir DIR (VirtualDJ's Playlists folder) to write them as .m3u8 files there",
            format.name()
        ))),
        _ => Ok(()),
    }
}

/// The playlists `args` ask for, built from the blueprints at the level rendered.
pub fn plan(
    prepared: &Prepared,
    blueprints: &[Option<&Cached>],
    args: &RenderSettings,
    cache: &Cache,
) -> Result<Planned> {
    let Some(groups) = &args.playlists else {
        return Ok(Planned::Nothing);
    };
    let lib = &prepared.library;
    let order = once_per_entry(lib, playing_order(lib, blueprints));
    let Some(node) = build(blueprints, &order, &args.level, &args.look.renames, groups) else {
        return Ok(Planned::Nothing);
    };
    if let Some(dir) = &args.playlists_dir {
        return Ok(Planned::Files {
            dir: dir.clone(),
            node,
        });
    }
    let Some(format) = lib.format().playlists() else {
        return Ok(Planned::Nothing);
    };
    let known = cache.playlist_folders()?;
    let placed = place(lib, format, Content::Groups(&node), &|element| {
        known.contains(element)
    })
    .map_err(|e| anyhow!("{}: cannot add playlists: {e:#}", lib.name))?;
    let count = node.playlists().len();
    Ok(Planned::InLibrary { placed, count })
}

/// Writes what must follow the library (the .m3u8 files), and says what was written.
pub fn finish(
    planned: Planned,
    prepared: &Prepared,
    summary: &mut Summary,
    quiet: bool,
) -> Result<()> {
    let (written, notice) = match planned {
        Planned::Nothing => return Ok(()),
        Planned::InLibrary { placed, count } => {
            let written = PlaylistsWritten {
                count,
                folder: placed.name,
            };
            (written, placed.notice)
        }
        Planned::Files { dir, node } => {
            let files = m3u::write_folder(&dir, &node, &prepared.library)?;
            let written = PlaylistsWritten {
                count: files.count,
                folder: files.folder.display().to_string(),
            };
            (written, files.notice)
        }
    };
    if let (Some(notice), false) = (notice, quiet) {
        eprintln!("taggenius: {notice}");
    }
    summary.playlists = Some(written);
    Ok(())
}
