//! What a new password must be: long enough, and not one of the most common passwords (the
//! `passwords` crate's list of about 100,000, from leaked password collections). Only new
//! passwords are checked: existing users log in as before.

/// Why a new password is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Fewer characters than the minimum.
    #[error("the password needs at least {0} characters")]
    TooShort(usize),
    /// On the list of common passwords (in any case).
    #[error("the password is one of the most common passwords; choose another")]
    Common,
}

/// Whether `password` may be a new password: at least `min_chars` characters (Unicode scalar
/// values) and not a common password, compared as given and in lower case.
pub fn check(password: &str, min_chars: usize) -> Result<(), Refusal> {
    if password.chars().count() < min_chars {
        return Err(Refusal::TooShort(min_chars));
    }
    let common = |candidate: &str| passwords::analyzer::is_common_password(candidate);
    if common(password) || common(&password.to_lowercase()) {
        return Err(Refusal::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(check("a-secret-11", 12), Err(Refusal::TooShort(12)));
        assert_eq!(check("", 12), Err(Refusal::TooShort(12)));
        // Characters, not bytes: eleven of them is still short.
        assert_eq!(check("ääääääääääö", 12), Err(Refusal::TooShort(12)));
        assert_eq!(check("x7#kQ", 5), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for common in ["123456789012", "qwertyuiop123", "1q2w3e4r5t6y", "PASSWORD1234"] {
            assert_eq!(check(common, 12), Err(Refusal::Common), "{common}");
        }
        assert_eq!(check("password", 8), Err(Refusal::Common));
    }

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        assert_eq!(check("correct horse battery staple", 12), Ok(()));
        assert_eq!(check("a-long-password-123", 12), Ok(()));
        assert_eq!(check("ääääääääääöü", 12), Ok(()));
    }
}
