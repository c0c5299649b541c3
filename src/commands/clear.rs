//! `taggenius clear`: takes the taggenius block out of Comments and puts back every value
//! taggenius overwrote, as it was before taggenius first touched the track.

use anyhow::Result;

use crate::cli::settings::Settings;
use crate::cli::ClearArgs;
use crate::interrupt;
use crate::job::open::open;
use crate::job::prepared::Prepared;
use crate::library::output::{Output, Target};
use crate::library::playlist_tree;
use crate::library::splice::Edit;
use crate::library::{unescape_lossless, Field, Library, TrackEntry};
use crate::playlists::m3u;
use crate::render::look::Look;
use crate::render::{find_block, user_comment};

use crate::cache::originals::FieldOriginals as Originals;
use crate::job::report::counted;

pub fn run(args: &ClearArgs, settings: &Settings) -> Result<u8> {
    let output = Output::choose(
        &args.library,
        Target::of(args.output.as_deref(), args.in_place),
        "cleared",
    )?;
    interrupt::phase("reading");
    let prepared = Prepared::new(Library::read(&args.library)?);
    interrupt::check()?;
    let (cache, _) = open(settings.db()?, Some(&args.library))?;
    let originals = cache.originals()?;
    let look = settings.look.clone().knowing(&cache.block_templates()?);
    let lib = &prepared.library;
    let none = Originals::new();
    let mut edits = Vec::new();
    let mut cleared = 0;
    interrupt::phase("restoring");
    for (entry, id) in lib.tracks.iter().zip(prepared.track_ids()) {
        interrupt::check()?;
        let remembered = originals.get(id.as_ref()).unwrap_or(&none);
        let before = edits.len();
        restore_track(lib, entry, remembered, &look, &mut edits);
        if edits.len() > before {
            cleared += 1;
        }
    }
    let folders = match lib.format().playlists() {
        Some(format) => {
            let known = cache.playlist_folders()?;
            playlist_tree::remove(lib, format, &|element| known.contains(element))?
        }
        None => Vec::new(),
    };
    let removed_folders = folders.iter().filter(|e| e.bytes.is_empty()).count();
    edits.extend(folders);
    let backup = output.write(lib.bytes(), &mut edits)?;
    let removed_files = match &args.playlists_dir {
        Some(dir) => m3u::remove_folders(dir)?,
        None => 0,
    };
    if !args.quiet {
        let mut also = String::new();
        if removed_folders + removed_files > 0 {
            let folders = counted((removed_folders + removed_files) as u64, "playlist folder");
            also = format!(" and removed {folders}");
        }
        let kept = match backup {
            Some(backup) => format!(" (the library as it was is kept in {})", backup.display()),
            None => String::new(),
        };
        eprintln!(
            "cleared {cleared} of {}{also} → {}{kept}",
            counted(lib.tracks.len() as u64, "track"),
            output.describe()
        );
    }
    Ok(0)
}

fn restore_track(
    lib: &Library,
    entry: &TrackEntry,
    remembered: &Originals,
    look: &Look,
    edits: &mut Vec<Edit>,
) {
    let mut restores: Vec<(Field, Option<&[u8]>)> = Vec::new();
    let mut sets = Vec::new();
    for field in [Field::Genre, Field::Colour, Field::Rating] {
        if let Some(original) = remembered.get(field.stored_name()) {
            let unchanged = entry.raw(lib.bytes(), field) == original.as_deref();
            if !unchanged {
                restores.push((field, original.as_deref()));
            }
        }
    }
    for field in [Field::Comments, Field::Comment2] {
        let comment = lib.value(entry, field);
        if find_block(&comment, look).is_none() {
            continue;
        }
        let user = user_comment(&comment, look);
        match remembered.get(field.stored_name()) {
            // The exact original bytes, entity spellings and all, when the user text is
            // unchanged (tagging trims the white space that ended it).
            Some(Some(raw)) if unescape_lossless(raw).trim_end() == user => {
                restores.push((field, Some(raw)))
            }
            Some(None) if user.is_empty() => restores.push((field, None)),
            _ => sets.push((field, user)),
        }
    }
    let format = lib.format();
    format.restore(lib.bytes(), entry, &restores, edits);
    format.set(lib.bytes(), entry, sets, edits);
}
