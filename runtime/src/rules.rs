//! Input validation (OWASP API8 and input handling): every value of a body is checked against
//! its field's type and constraints, lengths counted in characters; all failures are reported
//! at once, each with a pointer and without echoing the value.

use regex::Regex;
use securegen_model::{Action, Field, FieldType, Literal, Number};
use serde_json::{Map, Value};

use crate::access::escape_pointer;
use crate::error::{ApiError, FieldError};

/// The compiled rules of one resource: each field's pattern, compiled once at registration.
#[derive(Debug)]
pub struct Rules {
    patterns: Vec<Option<Regex>>,
}

impl Rules {
    /// The rules of `resource`. The checker compiled every pattern already; one that fails
    /// here (a policy built by hand) stops the registration rather than going unchecked.
    pub fn new(resource: &securegen_model::Resource) -> Result<Self, String> {
        let patterns = resource
            .fields
            .iter()
            .map(|f| match &f.pattern {
                Some(p) => regex::RegexBuilder::new(p)
                    .size_limit(1 << 20)
                    .build()
                    .map(Some)
                    .map_err(|e| format!("the pattern of `{}.{}` does not compile: {e}", resource.name, f.name)),
                None => Ok(None),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }
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
        for (i, f) in resource.fields.iter().enumerate() {
            let pointer = format!("/{}", escape_pointer(&f.name));
            match body.get(&f.name) {
                Some(v) => {
                    if let Err(detail) = self.check(i, f, v) {
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

    fn check(&self, i: usize, f: &Field, v: &Value) -> Result<(), String> {
        if v.is_null() {
            return if f.optional { Ok(()) } else { Err("may not be null".to_owned()) };
        }
        match f.ty {
            FieldType::Bool => v.as_bool().map(|_| ()).ok_or_else(|| "must be a boolean".to_owned()),
            FieldType::Int => {
                let n = v.as_i64().ok_or_else(|| "must be a whole number".to_owned())?;
                bounds(f, Number::Int(n))
            }
            FieldType::Float => {
                let n = v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| "must be a number".to_owned())?;
                bounds(f, Number::Float(n))
            }
            _ => {
                let s = v.as_str().ok_or_else(|| "must be a string".to_owned())?;
                self.check_text(i, f, s)
            }
        }
    }

    fn check_text(&self, i: usize, f: &Field, s: &str) -> Result<(), String> {
        if s.chars().any(securegen_model::values::forbidden_char) {
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
        if self.patterns.get(i).and_then(Option::as_ref).is_some_and(|re| !re.is_match(s)) {
            return Err("does not match the required pattern".to_owned());
        }
        let ok = match f.ty {
            FieldType::Enum => f.values.iter().any(|v| v == s),
            ty => securegen_model::values::well_formed(ty, s),
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

/// Whether `n` is below (`Less`) or above (`Greater`) bound `m`: exact for integers (an
/// `i64` bound near `i64::MAX` does not round through `f64`).
fn compare(n: Number, m: Number) -> Option<std::cmp::Ordering> {
    match (n, m) {
        (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
        (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
    }
}

fn bounds(f: &Field, n: Number) -> Result<(), String> {
    use std::cmp::Ordering::{Greater, Less};
    if let Some(min) = f.min.filter(|m| compare(n, *m) == Some(Less)) {
        return Err(format!("must be at least {min}"));
    }
    if let Some(max) = f.max.filter(|m| compare(n, *m) == Some(Greater)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_times_are_field_errors_not_panics() {
        let field = Field {
            name: "at".into(),
            ty: FieldType::Timestamp,
            primary: false,
            optional: false,
            default: None,
            min: None,
            max: None,
            min_len: None,
            max_len: Some(64),
            pattern: None,
            values: Vec::new(),
            write: vec![Action::Create],
            write_roles: None,
            read_roles: None,
            redact: false,
            server: None,
            description: None,
        };
        let rules = Rules { patterns: vec![None] };
        for bad in [
            "2026-11-22T10:00:00é",
            "é026-11-22T10:00:00Z",
            "2026-1é-22T10:00:00Z",
            "+2026-11-22T10:00:00Z",
            "2026-11-22T10:00:60+99:00",
        ] {
            assert!(rules.check(0, &field, &Value::from(bad)).is_err(), "{bad}");
        }
    }
}
