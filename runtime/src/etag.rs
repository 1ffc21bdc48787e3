//! `If-Match` (RFC 9110 §13.1.1) for `etag: true` resources: strong comparison only (a weak
//! `W/"…"` never matches), `*` matches any existing row, a list matches when any member does,
//! and a header that is not a list of entity tags is a 400.

use axum::http::HeaderMap;
use axum::http::header::IF_MATCH;

use crate::error::ApiError;

/// What an update requires of the row's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current version.
    Any,
    /// One of these strong tags.
    Tags(Vec<String>),
}

impl IfMatch {
    /// Reads the `If-Match` headers: `None` when there is none.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let mut values = headers.get_all(IF_MATCH).iter().peekable();
        if values.peek().is_none() {
            return Ok(None);
        }
        let malformed = || ApiError::bad_request("If-Match must be `*` or a list of entity tags like \"3\"");
        let mut tags = Vec::new();
        let mut any = false;
        for v in values {
            let text = v.to_str().map_err(|_| malformed())?;
            for member in split_list(text).ok_or_else(malformed)? {
                match member {
                    "*" => any = true,
                    m if m.starts_with("W/\"") && m.len() >= 4 && m.ends_with('"') => {
                        // A weak tag never matches under the strong comparison (and is not kept).
                    }
                    m if m.len() >= 2 && m.starts_with('"') && m.ends_with('"') => {
                        let inner = &m[1..m.len() - 1];
                        if inner.bytes().any(|b| b == b'"' || b < 0x21 || b == 0x7f) {
                            return Err(malformed());
                        }
                        tags.push(inner.to_owned());
                    }
                    _ => return Err(malformed()),
                }
            }
        }
        if any && !tags.is_empty() {
            return Err(malformed());
        }
        Ok(Some(if any { Self::Any } else { Self::Tags(tags) }))
    }

    /// Whether the row at `version` satisfies the condition.
    pub fn matches(&self, version: i64) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => {
                tags.iter().any(|t| t.parse::<i64>().ok() == Some(version) && *t == version.to_string())
            }
        }
    }
}

/// The members of a comma-separated list of entity tags, quotes respected; `None` when a
/// quote is left open. (Every byte split on is ASCII, so every slice is on a char boundary.)
fn split_list(text: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    out.push(text[start..].trim());
    Some(out.into_iter().filter(|m| !m.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn parse(v: &[u8]) -> Result<Option<IfMatch>, ApiError> {
        let mut h = HeaderMap::new();
        h.insert(IF_MATCH, HeaderValue::from_bytes(v).unwrap());
        IfMatch::from_headers(&h)
    }

    #[test]
    fn strong_comparison() {
        assert!(parse(b"\"3\"").unwrap().unwrap().matches(3));
        assert!(!parse(b"W/\"3\"").unwrap().unwrap().matches(3), "weak never matches");
        assert!(parse(b"*").unwrap().unwrap().matches(99));
        assert!(parse(b"\"1\", \"3\" ,\"7\"").unwrap().unwrap().matches(3));
        assert!(!parse(b"\"03\"").unwrap().unwrap().matches(3), "tags compare as strings");
        for bad in [&b"3"[..], b"\"3", b"*, \"3\"", b"\"a\"b\"", b"\"\xc3\xa9\""] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
