//! FNV-1a for the hash maps on the re-render path. Their keys are short, trusted strings (cache
//! keys, file locations) hashed tens of thousands of times a run, where std's SipHash, built to
//! resist hash flooding from untrusted input, was a tenth of a 50,000-track re-render.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let start = if self.0 == 0 { OFFSET } else { self.0 };
        self.0 = bytes
            .iter()
            .fold(start, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x100_0000_01b3;

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// FNV-1a of one byte string.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv::default();
    hasher.write(bytes);
    hasher.finish()
}
