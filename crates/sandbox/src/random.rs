//! Random values from the operating system: tokens, secrets, client keys.

/// Why no random value could be made.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

fn bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buffer = [0u8; N];
    getrandom::fill(&mut buffer).map_err(|e| RandomError(e.to_string()))?;
    Ok(buffer)
}

/// 256 random bits as 64 lower-case hex digits.
pub fn token() -> Result<String, RandomError> {
    Ok(bytes::<32>()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// `length` random letters and digits (a client key, a client id).
pub fn alphanumeric(length: usize) -> Result<String, RandomError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(length);
    while out.len() < length {
        for b in bytes::<64>()? {
            // 248 = 4 × 62: dropping larger bytes keeps the choice uniform.
            if b < 248 && out.len() < length {
                out.push(ALPHABET[usize::from(b) % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_have_their_shape_and_differ() {
        let a = super::token().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, super::token().unwrap());
        let key = super::alphanumeric(32).unwrap();
        assert_eq!(key.len(), 32);
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
