//! The hash of the digests the cache stores for remembered originals, in the manner of rustc's
//! FxHash: eight bytes per step. It is written out here, not taken from a crate, because what
//! it computes is stored on disk: a crate's next version may hash differently (rustc-hash 2
//! did), which would orphan every remembered original. Known answers in originals.rs hold it.

use std::hash::Hasher;

#[derive(Default, Clone, Copy)]
pub struct DigestHasher(u64);

impl DigestHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        // The length keeps "ab" and "ab\0" apart.
        self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
