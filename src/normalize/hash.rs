//! Content hash, scheme 1 (DESIGN.md): SHA-256 of the folded body.

use std::fmt;

/// The scheme number stored in `meta.hash_scheme`. Changing the folding rules means a new scheme.
pub const HASH_SCHEME: u32 = 1;

/// A content hash: 32 bytes, shown as 64 lowercase hex characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn to_hex(&self) -> String {
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            use fmt::Write;
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}
