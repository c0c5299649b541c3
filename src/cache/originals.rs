//! The values taggenius overwrote, kept in the cache so that `clear` can put them back.

use std::collections::HashMap;
use std::hash::Hasher;

use anyhow::Result;
use rusqlite::params;

use crate::cache::digest::DigestHasher;
use crate::cache::Cache;

/// A track's remembered values by field name; `None` where taggenius inserted the attribute.
pub type FieldOriginals = HashMap<String, Option<Vec<u8>>>;

/// Schema 2: each original also carries its digest, indexed, so that a re-render reads a
/// hundred thousand small integers instead of every remembered value in full.
const MIGRATION_2: &str = "
ALTER TABLE originals ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
CREATE INDEX originals_by_digest ON originals (digest);
";

/// Identifies a remembered (track, field, value). Stored in the cache, so it must never change
/// without a migration. A 64-bit digest shared by two different values would only mean that
/// the newer of them is not remembered (about one chance in 10^9 for a million originals).
pub fn original_digest(track: &[u8], field: &str, raw: Option<&[u8]>) -> i64 {
    TrackDigest::of(track).of_value(field, raw)
}

/// `original_digest` with the track hashed once for all of its fields: a file location is
/// most of the bytes hashed.
#[derive(Clone, Copy)]
pub struct TrackDigest(DigestHasher);

impl TrackDigest {
    pub fn of(track: &[u8]) -> TrackDigest {
        let mut hasher = DigestHasher::default();
        add_part(&mut hasher, Some(track));
        TrackDigest(hasher)
    }

    pub fn of_value(self, field: &str, raw: Option<&[u8]>) -> i64 {
        let mut hasher = self.0;
        add_part(&mut hasher, Some(field.as_bytes()));
        add_part(&mut hasher, raw);
        hasher.finish() as i64
    }
}

fn add_part(hasher: &mut DigestHasher, part: Option<&[u8]>) {
    match part {
        Some(bytes) => {
            hasher.write_u64(bytes.len() as u64);
            hasher.write(bytes);
        }
        None => hasher.write_u64(u64::MAX),
    }
}

/// The digests of the remembered originals, sorted, with where each run of leading bits
/// starts. They come sorted from their index, so this costs a copy where a hash set took 10 ms
/// to build for 64,000 of them; digests spread evenly, so a lookup reads the start of its
/// run and finds the digest there, one or two cache misses like a hash set.
#[derive(Debug, Default)]
pub struct Remembered {
    digests: Vec<i64>,
    /// For each value of the leading `bits` bits, where its digests start; one more at the end.
    starts: Vec<u32>,
    bits: u32,
}

impl Remembered {
    pub fn new(mut digests: Vec<i64>) -> Remembered {
        // Already sorted from the index: both are one pass then.
        digests.sort_unstable();
        digests.dedup();
        let bits = digests.len().max(1).ilog2().min(24);
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        for (i, &digest) in digests.iter().enumerate() {
            let run = leading(digest, bits);
            while starts.len() <= run {
                starts.push(i as u32);
            }
        }
        starts.resize((1 << bits) + 1, digests.len() as u32);
        Remembered {
            digests,
            starts,
            bits,
        }
    }

    pub fn contains(&self, digest: i64) -> bool {
        let run = leading(digest, self.bits);
        match (self.starts.get(run), self.starts.get(run + 1)) {
            (Some(&start), Some(&end)) => {
                self.digests[start as usize..end as usize].contains(&digest)
            }
            _ => false,
        }
    }
}

/// The leading `bits` bits of a digest, in the digests' sorted order.
fn leading(digest: i64, bits: u32) -> usize {
    let ordered = (digest as u64) ^ (1 << 63);
    ordered.checked_shr(64 - bits).unwrap_or(0) as usize
}

impl Cache {
    /// Remembers a field's value as it was before taggenius touched it. The caller only passes
    /// values the user set, so a newer user value replaces an older one.
    pub fn remember_original(&self, track: &str, field: &str, raw: Option<&[u8]>) -> Result<()> {
        let digest = original_digest(track.as_bytes(), field, raw);
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO originals (track, field, raw, digest) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![track, field, raw, digest])?;
        Ok(())
    }

    /// Every remembered original, by track then field.
    pub fn originals(&self) -> Result<HashMap<String, FieldOriginals>> {
        let mut stmt = self
            .conn
            .prepare("SELECT track, field, raw FROM originals")?;
        let mut rows = stmt.query([])?;
        let mut all: HashMap<String, FieldOriginals> = HashMap::new();
        while let Some(row) = rows.next()? {
            all.entry(row.get(0)?)
                .or_default()
                .insert(row.get(1)?, row.get(2)?);
        }
        Ok(all)
    }

    /// The digest of every remembered (track, field, value), read from their index alone.
    pub fn remembered_values(&self) -> Result<Remembered> {
        let mut stmt = self.conn.prepare(
            "SELECT digest FROM originals INDEXED BY originals_by_digest ORDER BY digest",
        )?;
        let mut rows = stmt.query([])?;
        let mut digests = Vec::new();
        while let Some(row) = rows.next()? {
            digests.push(row.get::<_, i64>(0)?);
        }
        Ok(Remembered::new(digests))
    }

    /// Migrates to schema 2: adds the digest column and fills it in. Runs under the write lock.
    pub(crate) fn add_original_digests(&self) -> Result<()> {
        self.conn.execute_batch(MIGRATION_2)?;
        let mut read = self
            .conn
            .prepare("SELECT rowid, track, field, raw FROM originals")?;
        let mut write = self
            .conn
            .prepare("UPDATE originals SET digest = ?1 WHERE rowid = ?2")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            let track = row.get_ref(1)?.as_bytes()?;
            let field = row.get_ref(2)?.as_str()?;
            let raw = row.get_ref(3)?.as_blob_or_null()?;
            write.execute(params![original_digest(track, field, raw), rowid])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    /// The digests are stored on disk: a change to the hash or to how the parts are fed to it
    /// would orphan every remembered original of every cache. These answers were computed by
    /// the release that first stored digests (schema 2) and must never change.
    #[test]
    fn stored_digests_never_change() {
        type Case<'a> = (&'a [u8], &'a str, Option<&'a [u8]>, i64);
        let cases: [Case; 4] = [
            (
                b"file://localhost/Music/Daft%20Punk%20-%20Around%20The%20World.mp3",
                "Genre",
                Some(b"House"),
                7546848064355903812,
            ),
            (
                b"key:daft punk\x1faround the world",
                "Comments",
                None,
                6310438941103919926,
            ),
            (b"", "Colour", Some(b""), -3613505987408899069),
            (
                "file://localhost/C:/Música/Café%20del%20Mar.mp3".as_bytes(),
                "Rating",
                Some(b"0"),
                -6020302167018888781,
            ),
        ];
        for (track, field, raw, digest) in cases {
            assert_eq!(original_digest(track, field, raw), digest, "{field}");
            assert_eq!(
                TrackDigest::of(track).of_value(field, raw),
                digest,
                "{field}"
            );
        }
    }
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn a_newer_user_value_replaces_the_remembered_original() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.sqlite3")).unwrap();
        cache
            .remember_original("t1", "Genre", Some(b"Old"))
            .unwrap();
        cache
            .remember_original("t1", "Genre", Some(b"New"))
            .unwrap();
        cache.remember_original("t1", "Colour", None).unwrap();
        let originals = cache.originals().unwrap();
        assert_eq!(originals["t1"]["Genre"].as_deref(), Some(&b"New"[..]));
        assert_eq!(originals["t1"]["Colour"], None);
        let remembered = cache.remembered_values().unwrap();
        assert_eq!(remembered.digests.len(), 2);
        assert!(remembered.contains(original_digest(b"t1", "Genre", Some(b"New"))));
        assert!(remembered.contains(original_digest(b"t1", "Colour", None)));
        assert!(!remembered.contains(original_digest(b"t1", "Genre", Some(b"Old"))));
    }

    #[test]
    fn a_digest_is_found_wherever_it_sits_and_only_if_there() {
        // Evenly spread digests, as the hash gives, plus clusters and both ends of the range.
        let mut digests: Vec<i64> = (0..5_000u64)
            .map(|i| original_digest(&i.to_le_bytes(), "Genre", None))
            .collect();
        digests.extend([i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX]);
        digests.extend((0..300).map(|i| 1_000_000 + i * 2));
        let remembered = Remembered::new(digests.iter().rev().copied().collect());
        for &d in &digests {
            assert!(remembered.contains(d), "{d}");
        }
        let absent = (0..5_000u64).map(|i| original_digest(&i.to_le_bytes(), "Comments", None));
        for d in absent.chain([2, -2, 1_000_001, 1_000_599, i64::MAX - 2]) {
            assert!(!remembered.contains(d), "{d}");
        }
        assert!(!Remembered::default().contains(0));
    }

    #[test]
    fn digests_tell_absent_empty_and_shifted_values_apart() {
        let digests = [
            original_digest(b"t", "Genre", None),
            original_digest(b"t", "Genre", Some(b"")),
            original_digest(b"tG", "enre", Some(b"")),
            original_digest(b"t", "Genre", Some(b"\0")),
            original_digest(b"t", "Comments", None),
        ];
        let distinct: std::collections::HashSet<i64> = digests.iter().copied().collect();
        assert_eq!(distinct.len(), digests.len());
        // Stored in caches: a change here needs a migration.
        assert_eq!(
            original_digest(b"t", "Genre", None),
            -2_289_803_150_449_825_368
        );
    }

    #[test]
    fn a_schema_1_cache_gets_the_digests_of_what_it_remembers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let old = Connection::open(&path).unwrap();
        old.execute_batch(crate::cache::schema::MIGRATION_1)
            .unwrap();
        old.execute(
            "INSERT INTO originals (track, field, raw) VALUES ('file://a.mp3', 'Genre', x'486f757365')",
            [],
        )
        .unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        drop(old);
        let cache = Cache::open(&path).unwrap();
        let remembered = cache.remembered_values().unwrap();
        let digest = original_digest(b"file://a.mp3", "Genre", Some(b"House"));
        assert_eq!(remembered.digests, [digest]);
        let version: i64 = cache
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 3, "migrated on to the newest schema");
    }
}
