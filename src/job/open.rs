//! The opening every command on a library and its cache shares: the cache, and the library the
//! command names or, where it may name none, the one the last `tag` read.

use std::path::Path;

use anyhow::{bail, Result};

use crate::cache::Cache;

/// The cache at `db`, and the library: `given`, else the library of the last `tag` of a file.
pub fn open(db: &Path, given: Option<&str>) -> Result<(Cache, String)> {
    let cache = Cache::open(db)?;
    let library = match given {
        Some(library) => library.to_string(),
        None => match cache.last_library()? {
            Some(library) => library,
            None => {
                bail!("no LIBRARY given, and this cache has no earlier `tag` run to take it from")
            }
        },
    };
    Ok((cache, library))
}
