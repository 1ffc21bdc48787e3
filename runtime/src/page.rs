//! Pagination (OWASP API4): `?limit=` is an integer from 1, clamped to the resource's
//! `page_max`; `?cursor=` is opaque, signed by the service and bound to one resource, so a
//! cursor the service did not issue is a 400. Lists are never unbounded.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, FieldError};

type HmacSha256 = Hmac<Sha256>;

/// Length of the truncated signature in a cursor.
const TAG_BYTES: usize = 16;
/// Longest cursor accepted (an id, a sort value of at most 256 characters, a tag).
const MAX_CURSOR_CHARS: usize = 4096;

/// Issues and checks cursors with a secret key.
#[derive(Clone)]
pub struct Cursors {
    key: [u8; 32],
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors(..)")
    }
}

impl Cursors {
    /// A codec with this key (share it between instances behind one load balancer).
    pub fn with_key(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// A codec with a fresh random key (cursors then die with the process).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self { key }
    }

    fn tag(&self, resource: &str, query: &str, payload: &[u8]) -> Vec<u8> {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(resource.as_bytes());
        mac.update(&[0]);
        mac.update(query.as_bytes());
        mac.update(&[0]);
        mac.update(payload);
        mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
    }

    /// The cursor that continues after the row with id `last`.
    pub fn encode(&self, resource: &str, last: uuid::Uuid) -> String {
        self.encode_in(resource, "", last, &[])
    }

    /// The cursor that continues after the row with id `last` (and sort value `extra`) in the
    /// list shaped by `query` (its filters, sort and search, canonical).
    pub fn encode_in(&self, resource: &str, query: &str, last: uuid::Uuid, extra: &[u8]) -> String {
        let mut bytes = last.as_bytes().to_vec();
        bytes.extend_from_slice(extra);
        let tag = self.tag(resource, query, &bytes);
        bytes.extend(tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The id a cursor continues after; 400 for anything this service did not issue for
    /// this resource (an empty cursor included).
    pub fn decode(&self, resource: &str, cursor: &str) -> Result<uuid::Uuid, ApiError> {
        self.decode_in(resource, "", cursor).map(|(id, _)| id)
    }

    /// The id and sort value a cursor continues after; 400 for anything this service did not
    /// issue for this resource and this same query.
    pub fn decode_in(&self, resource: &str, query: &str, cursor: &str) -> Result<(uuid::Uuid, Vec<u8>), ApiError> {
        let bad = || ApiError::BadRequest {
            detail: "the cursor is not one this service issued for this query".to_owned(),
            errors: vec![FieldError::new("/cursor", "invalid cursor")],
        };
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        if bytes.len() < TAG_BYTES + 16 {
            return Err(bad());
        }
        let (payload, tag) = bytes.split_at(bytes.len() - TAG_BYTES);
        let expected = self.tag(resource, query, payload);
        // Constant-time comparison.
        let diff = expected.iter().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 {
            return Err(bad());
        }
        let (id, extra) = payload.split_at(16);
        Ok((uuid::Uuid::from_slice(id).map_err(|_| bad())?, extra.to_vec()))
    }
}

/// A page request: how many rows and after which cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows to return (already clamped).
    pub limit: u32,
    /// The raw cursor, to be checked with [`Cursors::decode`].
    pub cursor: Option<String>,
}

/// A `limit` of any number of digits, from 1 up, clamped to `page_max` (a value too large
/// for any integer type is still a number: it is clamped, not refused).
pub(crate) fn clamped_limit(value: &str, page_max: u32) -> Option<u32> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return None;
    }
    Some(significant.parse::<u32>().map_or(page_max, |n| n.min(page_max)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let c = Cursors::random();
        let id = uuid::Uuid::now_v7();
        let s = c.encode("order", id);
        assert_eq!(c.decode("order", &s).unwrap(), id);
        assert!(c.decode("order", "").is_err(), "an empty cursor is refused");
        assert!(c.decode("product", &s).is_err(), "bound to its resource");
        assert!(Cursors::random().decode("order", &s).is_err(), "bound to its key");
        assert!(c.decode("order", "garbage!").is_err());
        assert!(c.decode("order", &URL_SAFE_NO_PAD.encode(id.as_bytes())).is_err());
    }

    #[test]
    fn cursors_are_bound_to_their_query_and_carry_the_sort_value() {
        let c = Cursors::random();
        let id = uuid::Uuid::now_v7();
        let s = c.encode_in("order", "sort=-total", id, b"42");
        assert_eq!(c.decode_in("order", "sort=-total", &s).unwrap(), (id, b"42".to_vec()));
        assert!(c.decode_in("order", "sort=total", &s).is_err(), "bound to its query");
        assert!(c.decode_in("order", "", &s).is_err());
        assert!(c.decode("order", &s).is_err(), "a sorted cursor does not continue the plain list");
    }

    #[test]
    fn limits_are_clamped_or_refused() {
        assert_eq!(clamped_limit("500", 50), Some(50));
        assert_eq!(clamped_limit("521896951145937904861184", 50), Some(50), "huge is clamped");
        assert_eq!(clamped_limit("007", 50), Some(7));
        assert_eq!(clamped_limit("+7", 50), Some(7));
        for bad in ["0", "000", "-1", "ten", "1.5", ""] {
            assert_eq!(clamped_limit(bad, 50), None, "{bad}");
        }
    }
}
