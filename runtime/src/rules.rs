//! Input validation (OWASP API8 and input handling): every value of a body is checked against
//! its field's type and constraints, lengths counted in characters; all failures are reported
//! at once, each with a pointer and without echoing the value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;
use securegen_model::{Action, Field, FieldType, Literal, Number};
use serde_json::{Map, Value};

use crate::access::escape_pointer;
use crate::error::{ApiError, FieldError};

/// The compiled rules of one resource (patterns compiled once).
#[derive(Debug)]
pub struct Rules {
    patterns: HashMap<String, Regex>,
}

/// The rules of `resource`, compiled on first use and cached for the process.
pub fn rules_for(resource: &'static securegen_model::Resource) -> Arc<Rules> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Rules>>>> = OnceLock::new();
    let key = std::ptr::from_ref(resource) as usize;
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key)
        .or_insert_with(|| {
            let patterns = resource
                .fields
                .iter()
                .filter_map(|f| {
                    // The spec checker compiled every pattern already; one that fails here is
                    // skipped rather than taking the service down.
                    let re = Regex::new(f.pattern.as_deref()?).ok()?;
                    Some((f.name.clone(), re))
                })
                .collect();
            Arc::new(Rules { patterns })
        })
        .clone()
}

impl Rules {
    /// Validates the values of a body already checked for writable keys. On `create`, required
    /// fields must be present and defaults are filled in. Returns the body to store.
    pub fn validate(
        &self,
        resource: &securegen_model::Resource,
        action: Action,
        mut body: Map<String, Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut errors = Vec::new();
        for f in &resource.fields {
            let pointer = format!("/{}", escape_pointer(&f.name));
            match body.get(&f.name) {
                Some(v) => {
                    if let Err(detail) = self.check(f, v) {
                        errors.push(FieldError::new(pointer, detail));
                    }
                }
                None if action == Action::Create => match &f.default {
                    Some(d) => {
                        body.insert(f.name.clone(), literal(d));
                    }
                    None if !f.optional && f.is_writable_in(Action::Create) => {
                        errors.push(FieldError::new(pointer, "is required"));
                    }
                    None => {}
                },
                None => {}
            }
        }
        if errors.is_empty() { Ok(body) } else { Err(ApiError::Unprocessable { errors }) }
    }

    fn check(&self, f: &Field, v: &Value) -> Result<(), String> {
        if v.is_null() {
            return if f.optional { Ok(()) } else { Err("may not be null".to_owned()) };
        }
        match f.ty {
            FieldType::Bool => v.as_bool().map(|_| ()).ok_or_else(|| "must be a boolean".to_owned()),
            FieldType::Int => {
                let n = v.as_i64().ok_or_else(|| "must be a whole number".to_owned())?;
                bounds(f, n as f64)
            }
            FieldType::Float => {
                let n = v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| "must be a number".to_owned())?;
                bounds(f, n)
            }
            _ => {
                let s = v.as_str().ok_or_else(|| "must be a string".to_owned())?;
                self.check_text(f, s)
            }
        }
    }

    fn check_text(&self, f: &Field, s: &str) -> Result<(), String> {
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            return Err("must not contain control characters".to_owned());
        }
        let len = s.chars().count();
        if let Some(min) = f.min_len
            && len < min as usize
        {
            return Err(format!("must be at least {min} characters long"));
        }
        if let Some(max) = f.max_len
            && len > max as usize
        {
            return Err(format!("must be at most {max} characters long"));
        }
        if self.patterns.get(&f.name).is_some_and(|re| !re.is_match(s)) {
            return Err("does not match the required pattern".to_owned());
        }
        let ok = match f.ty {
            FieldType::Enum => f.values.iter().any(|v| v == s),
            FieldType::Uuid => is_uuid(s),
            FieldType::Email => is_email(s),
            FieldType::Url => is_url(s),
            FieldType::Date => is_date(s),
            FieldType::Timestamp => is_timestamp(s),
            _ => true,
        };
        if ok {
            Ok(())
        } else if f.ty == FieldType::Enum {
            Err(format!("must be one of: {}", f.values.join(", ")))
        } else {
            Err(format!("must be a valid {}", f.ty))
        }
    }
}

fn bounds(f: &Field, n: f64) -> Result<(), String> {
    if let Some(min) = f.min.filter(|m| n < m.as_f64()) {
        return Err(format!("must be at least {min}"));
    }
    if let Some(max) = f.max.filter(|m| n > m.as_f64()) {
        return Err(format!("must be at most {max}"));
    }
    Ok(())
}

/// The JSON value of a spec default.
pub fn literal(l: &Literal) -> Value {
    match l {
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Number(Number::Int(i)) => Value::from(*i),
        Literal::Number(Number::Float(f)) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Literal::Text(s) => Value::String(s.clone()),
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

fn is_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !s.chars().any(char::is_whitespace))
}

fn is_date(s: &str) -> bool {
    securegen_model::limits::parse_date(s).is_ok()
}

/// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !is_date(&s[..10]) || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let time_ok = digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19);
    let (h, m, sec) = (&s[11..13], &s[14..16], &s[17..19]);
    let in_range = h < "24" && m < "60" && sec <= "60";
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let zone_ok = rest == "Z"
        || rest == "z"
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':'
            && rest[1..3].bytes().chain(rest[4..6].bytes()).all(|c| c.is_ascii_digit()));
    time_ok && in_range && zone_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_uuid("0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e"));
        assert!(!is_uuid("0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6"));
        assert!(is_email("a@example.com"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@example.com"));
        assert!(is_url("https://example.com/x"));
        assert!(!is_url("javascript:alert(1)"));
        assert!(is_timestamp("2026-11-22T10:00:00Z"));
        assert!(is_timestamp("2026-11-22T10:00:00.123+01:00"));
        assert!(!is_timestamp("2026-11-22 10:00:00"));
        assert!(!is_timestamp("2026-11-22T25:00:00Z"));
    }
}
