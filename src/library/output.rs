//! Where a library is written: a temp file renamed into place once complete, or standard
//! output, or straight into a pipe or device.
//!
//! Only a plain file is replaced by renaming a temp file over it. A symbolic link is followed
//! and its target replaced, so the link stays a link; a named pipe, a device or a descriptor of
//! this process (`/dev/stdout`, `/proc/self/fd/N`) is written into as it is, since renaming a
//! file over it would take its place (as root, over `/dev/null` itself).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::error::UsageError;
use crate::interrupt::{self, Begun};
use crate::library::backup::{keep_backup, Backup};
use crate::library::splice::{splice_into, Edit};
use crate::library::write_behind::WriteBehind;

/// Where a command writes its library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Stdout,
    File(PathBuf),
    /// Over the input itself, once a backup of it is kept beside it.
    InPlace(PathBuf),
}

/// What the flags ask for: `-o`, `--in-place`, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Beside,
    Named(&'a str),
    InPlace,
}

impl Target<'_> {
    pub fn of(output: Option<&str>, in_place: bool) -> Target<'_> {
        match (output, in_place) {
            (_, true) => Target::InPlace,
            (Some(path), false) => Target::Named(path),
            (None, false) => Target::Beside,
        }
    }
}

impl Output {
    /// `-o` as given, the input itself for `--in-place`, else `<stem>.<suffix>.<ext>` beside
    /// the input; stdin goes to stdout.
    pub fn choose(input: &str, target: Target, suffix: &str) -> Result<Output> {
        let output = match target {
            Target::InPlace if input == "-" => {
                return Err(UsageError(
                    "--in-place needs a library file, not standard input".into(),
                )
                .into())
            }
            Target::InPlace => {
                destination(Path::new(input))?;
                return Ok(Output::InPlace(PathBuf::from(input)));
            }
            Target::Named("-") => Output::Stdout,
            Target::Named(path) => Output::File(PathBuf::from(path)),
            Target::Beside if input == "-" => Output::Stdout,
            Target::Beside => Output::File(beside(Path::new(input), suffix)),
        };
        if let Output::File(path) = &output {
            if input != "-" && same_file(Path::new(input), path) {
                bail!(
                    "{}: the output would overwrite the input; taggenius never modifies the input (choose another -o)",
                    path.display()
                );
            }
            // Found out before any work is done, not after the provider has been paid.
            destination(path)?;
        }
        Ok(output)
    }

    pub fn describe(&self) -> String {
        match self {
            Output::Stdout => "-".to_string(),
            Output::File(path) | Output::InPlace(path) => path.display().to_string(),
        }
    }

    /// Writes `input` with `edits` made; returns the backup `--in-place` kept.
    pub fn write(&self, input: &[u8], edits: &mut [Edit]) -> Result<Option<PathBuf>> {
        let mut pending = self.begin()?;
        interrupt::phase("writing");
        splice_into(&mut pending, input, edits).map_err(|e| pending.error(e))?;
        pending.finish()
    }

    /// Starts writing: to a temp file beside the destination, or into the destination itself
    /// when it is a pipe or a device, or to standard output.
    pub fn begin(&self) -> Result<Pending> {
        interrupt::check()?;
        let (path, backup) = match self {
            Output::Stdout => return Ok(Pending::Stdout(BufWriter::new(std::io::stdout().lock()))),
            Output::File(path) => (path, None),
            Output::InPlace(path) => (path, Some(keep_backup(path)?)),
        };
        match destination(path)? {
            Destination::Replace(target) => replace(path, target, backup),
            Destination::Stream => {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("{}: cannot open for writing", path.display()))?;
                Ok(Pending::Stream {
                    path: path.clone(),
                    writer: BufWriter::with_capacity(64 << 10, file),
                })
            }
        }
    }
}

/// Starts writing a temp file that will be renamed over `target`, the plain file `path` is or
/// links to; `backup`, the copy `--in-place` kept, is removed unless the rename happens.
fn replace(path: &Path, target: PathBuf, backup: Option<Backup>) -> Result<Pending> {
    let dir = match target.parent() {
        Some(dir) => dir,
        None => bail!("{}: is not a file", path.display()),
    };
    let temp = temp_builder()
        .prefix(".taggenius-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a file in {}",
                path.display(),
                dir.display()
            )
        })?;
    // A file replaced keeps its permissions, as it would if it were rewritten in place.
    if let Ok(meta) = fs::metadata(&target) {
        let _ = fs::set_permissions(temp.path(), meta.permissions());
    }
    let behind = WriteBehind::new(temp.as_file());
    let mut marks = vec![Begun::new(temp.path())];
    marks.extend(backup.as_ref().map(|b| Begun::new(b.path())));
    Ok(Pending::File {
        path: path.to_path_buf(),
        target,
        backup,
        marks,
        // Small: a rendered stretch of hundreds of kilobytes then goes to the file
        // directly instead of being copied through the buffer first.
        writer: BufWriter::with_capacity(64 << 10, temp),
        behind,
    })
}

/// What `-o PATH` names, once links are followed.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// A plain file, or none yet, at this real path: replaced whole by a rename.
    Replace(PathBuf),
    /// A pipe, a device or a descriptor: written into as it is.
    Stream,
}

fn destination(path: &Path) -> Result<Destination> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            bail!("{}: is a directory; -o takes a file name", path.display())
        }
        Ok(meta) if !meta.is_file() => return Ok(Destination::Stream),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("{}: cannot look at", path.display())),
    }
    Ok(match real_path(path)? {
        Some(target) => Destination::Replace(target),
        None => Destination::Stream,
    })
}

/// `path` with its folder and every link it goes through resolved (the file itself need not
/// exist: a dangling link names the file to create); `None` for a descriptor of a process
/// (`/dev/stdout`, `/proc/self/fd/1`), which may be a terminal, a pipe or a file opened for
/// appending, and must be written as it is.
fn real_path(path: &Path) -> Result<Option<PathBuf>> {
    const MAX_LINKS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let folder = match current.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let Some(name) = current.file_name() else {
            bail!("{}: is not a file name", path.display());
        };
        let folder = folder.canonicalize().map_err(|_| {
            anyhow!(
                "{}: the output folder {} does not exist",
                path.display(),
                folder.display()
            )
        })?;
        if folder.starts_with("/proc") || folder.starts_with("/dev/fd") {
            return Ok(None);
        }
        let here = folder.join(name);
        match fs::symlink_metadata(&here) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&here)
                    .with_context(|| format!("{}: cannot read the link", here.display()))?;
                current = folder.join(link);
            }
            _ => return Ok(Some(here)),
        }
    }
    bail!("{}: too many levels of symbolic links", path.display())
}

/// An output being written. A file only appears under its name when `finish` renames the temp
/// file into place, so a reader never sees half a library and a failed or interrupted run leaves
/// none behind (the temp file is deleted when dropped).
pub enum Pending {
    Stdout(BufWriter<std::io::StdoutLock<'static>>),
    File {
        /// As the user named it, for messages.
        path: PathBuf,
        /// The real file that is replaced, links followed.
        target: PathBuf,
        /// The copy of the library `--in-place` kept: removed if the run ends before the rename.
        backup: Option<Backup>,
        /// The temp file and the backup, for a second Ctrl-C to remove.
        marks: Vec<Begun>,
        writer: BufWriter<tempfile::NamedTempFile>,
        behind: WriteBehind,
    },
    /// A pipe or device, written as it is (like standard output).
    Stream {
        path: PathBuf,
        writer: BufWriter<File>,
    },
}

impl Pending {
    /// A write error, with the output it was writing to.
    pub fn error(&self, e: std::io::Error) -> anyhow::Error {
        match self {
            Pending::Stdout(_) => anyhow::Error::new(e).context("standard output: cannot write"),
            Pending::File { path, .. } | Pending::Stream { path, .. } => {
                anyhow::Error::new(e).context(format!("{}: cannot write", path.display()))
            }
        }
    }

    /// Completes the output: the temp file is renamed into place (unless Ctrl-C came first).
    /// Returns the backup `--in-place` kept.
    pub fn finish(self) -> Result<Option<PathBuf>> {
        match self {
            Pending::Stdout(mut writer) => {
                writer.flush().context("standard output: cannot write")?;
            }
            Pending::File {
                path,
                target,
                writer,
                backup,
                marks,
                ..
            } => {
                let temp = writer
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("{}: cannot write", path.display()))?;
                let rename = || {
                    temp.persist(&target)
                        .map_err(|e| e.error)
                        .with_context(|| format!("{}: cannot write", path.display()))
                };
                interrupt::complete(rename, marks)?;
                return Ok(backup.map(Backup::keep));
            }
            Pending::Stream { path, mut writer } => {
                writer
                    .flush()
                    .with_context(|| format!("{}: cannot write", path.display()))?;
            }
        }
        Ok(None)
    }
}

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Pending::Stdout(w) => w.write(buf),
            Pending::Stream { writer, .. } => writer.write(buf),
            Pending::File { writer, behind, .. } => {
                let written = writer.write(buf)?;
                behind.wrote(written);
                Ok(written)
            }
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Pending::Stdout(w) => w.write_all(buf),
            Pending::Stream { writer, .. } => writer.write_all(buf),
            Pending::File { writer, behind, .. } => {
                writer.write_all(buf)?;
                behind.wrote(buf.len());
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Pending::Stdout(w) => w.flush(),
            Pending::File { writer, .. } => writer.flush(),
            Pending::Stream { writer, .. } => writer.flush(),
        }
    }
}

/// A temp file is private (0600) while it is written; the library it becomes is an ordinary
/// file, so it is created the way `File::create` makes one: 0666 less the user's umask.
fn temp_builder<'a, 'b>() -> tempfile::Builder<'a, 'b> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

fn beside(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match input.extension() {
        Some(ext) => format!("{stem}.{suffix}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{suffix}.xml"),
    };
    input.with_file_name(name)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes a file through `fill`, atomically.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut Pending) -> std::io::Result<()>,
) -> Result<()> {
    let mut pending = Output::File(path.to_path_buf()).begin()?;
    fill(&mut pending).map_err(|e| pending.error(e))?;
    pending.finish().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_output_sits_beside_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("lib.xml");
        let out = Output::choose(input.to_str().unwrap(), Target::Beside, "tagged").unwrap();
        assert_eq!(out, Output::File(dir.path().join("lib.tagged.xml")));
        assert_eq!(
            Output::choose("-", Target::Beside, "tagged").unwrap(),
            Output::Stdout
        );
        let missing = dir.path().join("nope/out.xml");
        let named = Target::Named(missing.to_str().unwrap());
        let err = Output::choose("-", named, "tagged").unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
