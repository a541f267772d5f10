//! Shared helpers for the imapi-rs benchmarks: synthetic inputs built the same way for every
//! bench and for the side-by-side scripts in `benches/scripts/`.
#![deny(missing_docs)]

/// Deterministic pseudo-random bytes (xorshift64*), so every run benches the same input.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pseudo_random_bytes_are_deterministic_and_sized() {
        let a = super::pseudo_random_bytes(7, 1001);
        assert_eq!(a.len(), 1001);
        assert_eq!(a, super::pseudo_random_bytes(7, 1001));
        assert_ne!(a, super::pseudo_random_bytes(8, 1001));
    }
}
