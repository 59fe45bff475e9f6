//! SHA-256 digests of the uploaded files, by the `sha2` crate.

use sha2::Digest as _;

/// A SHA-256 digest.
pub type Digest = [u8; 32];

/// The SHA-256 of `data`.
pub fn digest(data: &[u8]) -> Digest {
    sha2::Sha256::digest(data).into()
}

/// `digest` in lower-case hex.
pub fn hex(digest: &Digest) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
