//! Reading JSON bodies defensively: `application/json` only (415), bounded size even when
//! chunked (413), valid UTF-8 and JSON (400), no duplicate keys and bounded nesting (400), an
//! object at the top (422). Errors never echo the submitted bytes.

use std::fmt;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, Limited};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};

/// Deepest nesting accepted in a body.
pub const MAX_DEPTH: usize = 32;

/// Reads a JSON object body of at most `limit` bytes.
pub async fn read_object(headers: &HeaderMap, body: Body, limit: u64) -> Result<Map<String, Value>, ApiError> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes = match Limited::new(body, max).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(ApiError::PayloadTooLarge { limit }),
        Err(_) => return Err(ApiError::bad_request("the body could not be read")),
    };
    parse_object(&bytes)
}

/// Parses a JSON object strictly.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::bad_request("the body is not valid UTF-8"))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict { depth: 0 }.deserialize(&mut de).map_err(|e| {
        let detail = if e.to_string().starts_with(DUPLICATE) {
            "the body repeats a key".to_owned()
        } else if e.to_string().starts_with(TOO_DEEP) {
            format!("the body is nested deeper than {MAX_DEPTH} levels")
        } else {
            format!("the body is not valid JSON (line {}, column {})", e.line(), e.column())
        };
        ApiError::BadRequest { detail, errors: Vec::new() }
    })?;
    de.end().map_err(|_| ApiError::bad_request("the body has trailing characters after the JSON value"))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::Unprocessable { errors: vec![FieldError::new("", "the body must be a JSON object")] }),
    }
}

const DUPLICATE: &str = "duplicate key";
const TOO_DEEP: &str = "nested too deeply";

/// Builds a `serde_json::Value`, refusing duplicate keys and deep nesting.
struct Strict {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom(TOO_DEEP));
        }
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict { depth: self.depth + 1 })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom(TOO_DEEP));
        }
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Strict { depth: self.depth + 1 })?;
            if out.insert(key, value).is_some() {
                return Err(de::Error::custom(DUPLICATE));
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing() {
        assert!(parse_object(br#"{"a": 1, "b": [1, {"c": null}]}"#).is_ok());
        let dup = parse_object(br#"{"a": 1, "a": 2}"#).unwrap_err();
        assert_eq!(dup, ApiError::bad_request("the body repeats a key"));
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        assert!(matches!(parse_object(format!("{{\"a\": {deep}}}").as_bytes()), Err(ApiError::BadRequest { .. })));
        assert!(matches!(parse_object(b"[1]"), Err(ApiError::Unprocessable { .. })));
        assert!(matches!(parse_object(b"\xff\xfe"), Err(ApiError::BadRequest { .. })));
        assert!(matches!(parse_object(br#"{"a": 1} x"#), Err(ApiError::BadRequest { .. })));
        let secret = parse_object(br#"{"password": "hunter2"#).unwrap_err();
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
