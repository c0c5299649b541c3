//! What taggenius wrote that it must know again later: the playlist folders it wrote into
//! libraries, by the digest of their bytes (a folder named `taggenius` whose bytes are not
//! among them is the user's, and is left alone), and the block templates it wrote with (a
//! block of an older template is still taggenius's to replace or clear).

use std::hash::Hasher;

use anyhow::Result;
use rusqlite::params;
use rustc_hash::FxHashSet;

use crate::cache::digest::DigestHasher;
use crate::cache::{now, Cache};

/// Created when a cache is opened; older releases leave a table they do not know alone, so the
/// schema's version stays as it is.
pub(crate) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS playlist_folders (digest INTEGER PRIMARY KEY, written_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS block_templates (template TEXT PRIMARY KEY, first_used INTEGER NOT NULL);
";

/// The digest kept of a folder: of its bytes from `<` to `>` (and a mark, as a second part,
/// where it opened an empty root).
fn folder_digest(parts: &[&[u8]]) -> i64 {
    let mut hasher = DigestHasher::default();
    hasher.write(b"playlist folder\0");
    for part in parts {
        hasher.write(part);
    }
    hasher.finish() as i64
}

/// The folders written so far.
pub struct KnownFolders(FxHashSet<i64>);

impl KnownFolders {
    /// Whether taggenius wrote a folder with these bytes.
    pub fn contains(&self, parts: &[&[u8]]) -> bool {
        self.0.contains(&folder_digest(parts))
    }
}

impl Cache {
    pub fn remember_playlist_folder(&self, parts: &[&[u8]]) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO playlist_folders (digest, written_at) VALUES (?1, ?2)",
            params![folder_digest(parts), now()],
        )?;
        Ok(())
    }

    pub fn remember_block_template(&self, template: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO block_templates (template, first_used) VALUES (?1, ?2)",
            params![template, now()],
        )?;
        Ok(())
    }

    /// Every block template written with so far, as config.toml wrote it.
    pub fn block_templates(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT template FROM block_templates")?;
        let texts = stmt.query_map([], |row| row.get::<_, String>(0))?;
        Ok(texts.collect::<rusqlite::Result<_>>()?)
    }

    pub fn playlist_folders(&self) -> Result<KnownFolders> {
        let mut stmt = self.conn.prepare("SELECT digest FROM playlist_folders")?;
        let digests = stmt.query_map([], |row| row.get::<_, i64>(0))?;
        Ok(KnownFolders(digests.collect::<rusqlite::Result<_>>()?))
    }
}
