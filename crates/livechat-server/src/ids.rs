//! Server-generated ids: 17 characters of Meteor's alphabet (about 98 random bits).

use rand::Rng as _;

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

/// A fresh random id.
pub fn random_id() -> String {
    let mut rng = rand::thread_rng();
    (0..17).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_meteor_shape() {
        let id = random_id();
        assert_eq!(id.len(), 17);
        assert!(id.bytes().all(|byte| ALPHABET.contains(&byte)));
        assert_ne!(random_id(), random_id());
    }
}
