//! The run's seed: printed on every run, given back with `--seed`, so that
//! the same seed against the same server sends the same requests.

/// 64 random bits from the operating system's generator (getrandom);
/// where it cannot answer, the clock's nanoseconds mixed by SplitMix64,
/// so that a run never fails for want of entropy.
pub fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        SeededRng::new(nanos).next_u64()
    })
}

/// A fresh seed, short enough to be typed back (below 10^9).
pub fn fresh_seed() -> u64 {
    random_u64() % 1_000_000_000
}

/// A small deterministic generator (SplitMix64) for the names and
/// choices of a run; the same seed gives the same sequence.
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Eight hex digits.
    pub fn hex8(&mut self) -> String {
        format!("{:08x}", self.next_u64() & 0xffff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (mut a, mut b, mut c) = (SeededRng::new(7), SeededRng::new(7), SeededRng::new(8));
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let other: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(first, other);
        assert_eq!(a.hex8().len(), 8);
        assert!(fresh_seed() < 1_000_000_000);
    }
}
