//! The copy of a library that `--in-place` keeps beside it before writing over it.

use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

/// A copy of the library, removed when dropped unless `keep` says the library was replaced.
#[derive(Debug)]
pub struct Backup(Option<PathBuf>);

impl Backup {
    pub fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    /// The library was replaced: the backup stays, and this is where.
    pub fn keep(mut self) -> PathBuf {
        self.0.take().unwrap_or_default()
    }
}

impl Drop for Backup {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// Copies `path` to `<stem>.taggenius-backup-<UTC time>.<ext>` beside it, never over an
/// existing file (a second backup in the same second is numbered), and waits until the copy is
/// on disk: the library is replaced next.
pub fn keep_backup(path: &Path) -> Result<Backup> {
    let shown = path.display();
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let ext = path.extension().map(|e| e.to_string_lossy());
    let stamp = utc_stamp(SystemTime::now());
    let mut source = File::open(path).with_context(|| format!("{shown}: cannot read"))?;
    for n in 1..1000 {
        let numbered = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        let name = match &ext {
            Some(ext) => format!("{stem}.taggenius-backup-{numbered}.{ext}"),
            None => format!("{stem}.taggenius-backup-{numbered}"),
        };
        let backup = path.with_file_name(name);
        let mut copy = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&backup)
        {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("{}: cannot create", backup.display()))
            }
        };
        let written = std::io::copy(&mut source, &mut copy).and_then(|_| copy.sync_all());
        if let Err(e) = written {
            let _ = fs::remove_file(&backup);
            return Err(e).with_context(|| format!("{}: cannot write", backup.display()));
        }
        if let Ok(meta) = source.metadata() {
            let _ = fs::set_permissions(&backup, meta.permissions());
        }
        return Ok(Backup(Some(backup)));
    }
    anyhow::bail!("{shown}: too many backups in one second")
}

/// `YYYYMMDD-HHMMSS` in UTC: sorts as it reads, and means the same on every machine.
fn utc_stamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // The civil date of a day count (Howard Hinnant's days_from_civil, inverted).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3600, rest / 60 % 60, rest % 60);
    format!("{year:04}{month:02}{day:02}-{h:02}{m:02}{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_calendar_times() {
        let at = |secs: u64| utc_stamp(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "19700101-000000");
        assert_eq!(at(951_782_400), "20000229-000000");
        assert_eq!(at(1_796_544_902), "20261206-081502");
        assert_eq!(at(1_709_251_199), "20240229-235959");
    }
}
