//! Input validation (OWASP API8 and input handling): every value of a body is checked against
//! its field's type and constraints, lengths counted in characters; all failures are reported
//! at once, each with a pointer and without echoing the value.

use regex::Regex;
use securegen_model::{Action, Field, FieldType, Literal, Number};
use serde_json::{Map, Value};

use crate::access::escape_pointer;
use crate::error::{ApiError, FieldError};

/// A field's pattern that does not compile (only a policy built by hand can have one).
#[derive(Debug, thiserror::Error)]
#[error("the pattern of `{resource}.{field}` does not compile: {source}")]
pub struct PatternError {
    /// The resource.
    pub resource: String,
    /// The field.
    pub field: String,
    /// Why.
    pub source: regex::Error,
}

/// Why a value breaks its field's rules: the detail of a 422, which never echoes the value.
#[derive(Debug, thiserror::Error)]
enum Violation {
    #[error("may not be null")]
    Null,
    #[error("must be a boolean")]
    NotBool,
    #[error("must be a whole number")]
    NotInteger,
    #[error("must be a number")]
    NotNumber,
    #[error("must be a string")]
    NotString,
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must be at least {0} characters long")]
    TooShort(u32),
    #[error("must be at most {0} characters long")]
    TooLong(u32),
    #[error("does not match the required pattern")]
    Pattern,
    #[error("must be one of: {}", .0.join(", "))]
    NotInEnum(Vec<String>),
    #[error("must be a valid {0}")]
    Malformed(FieldType),
    #[error("must be at least {0}")]
    BelowMin(Number),
    #[error("must be at most {0}")]
    AboveMax(Number),
}

/// The compiled rules of one resource: each field's pattern, compiled once at registration.
#[derive(Debug)]
pub struct Rules {
    patterns: Vec<Option<Regex>>,
}

impl Rules {
    /// The rules of `resource`. The checker compiled every pattern already; one that fails
    /// here (a policy built by hand) stops the registration rather than going unchecked.
    pub fn new(resource: &securegen_model::Resource) -> Result<Self, PatternError> {
        let patterns =
            resource
                .fields
                .iter()
                .map(|f| match &f.pattern {
                    Some(p) => regex::RegexBuilder::new(p).size_limit(1 << 20).build().map(Some).map_err(|source| {
                        PatternError { resource: resource.name.clone(), field: f.name.clone(), source }
                    }),
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
            if f.ty == FieldType::Int
                && let Some(v) = body.get_mut(&f.name)
            {
                whole_number(v);
            }
            match body.get(&f.name) {
                Some(v) => {
                    if let Err(detail) = self.check(i, f, v) {
                        errors.push(FieldError::new(pointer, detail.to_string()));
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

    /// The fields of a stored row (as its JSON view) whose value the rules refuse now: rules
    /// tighten, rows stay; reads never fail on them, `migrate --check` counts them.
    pub fn violations(&self, resource: &securegen_model::Resource, row: &Map<String, Value>) -> Vec<usize> {
        (0..resource.fields.len())
            .filter(|&i| {
                let f = &resource.fields[i];
                f.server.is_none() && !f.primary && row.get(&f.name).is_some_and(|v| self.check(i, f, v).is_err())
            })
            .collect()
    }

    /// The checks of one value of field `i` (a list filter's), as the detail to report.
    pub(crate) fn check_value(&self, i: usize, f: &Field, v: &Value) -> Result<(), String> {
        self.check(i, f, v).map_err(|e| e.to_string())
    }

    /// The checks of one present value; `Err` is the detail to report.
    fn check(&self, i: usize, f: &Field, v: &Value) -> Result<(), Violation> {
        if v.is_null() {
            return if f.optional { Ok(()) } else { Err(Violation::Null) };
        }
        match f.ty {
            FieldType::Bool => v.as_bool().map(|_| ()).ok_or(Violation::NotBool),
            FieldType::Int => {
                let n = v.as_i64().ok_or(Violation::NotInteger)?;
                bounds(f, Number::Int(n))
            }
            FieldType::Float => {
                let n = v.as_f64().filter(|x| x.is_finite()).ok_or(Violation::NotNumber)?;
                bounds(f, Number::Float(n))
            }
            _ => {
                let s = v.as_str().ok_or(Violation::NotString)?;
                self.check_text(i, f, s)
            }
        }
    }

    fn check_text(&self, i: usize, f: &Field, s: &str) -> Result<(), Violation> {
        if s.chars().any(securegen_model::values::forbidden_char) {
            return Err(Violation::ControlCharacter);
        }
        let len = s.chars().count();
        if let Some(min) = f.min_len
            && len < min as usize
        {
            return Err(Violation::TooShort(min));
        }
        if let Some(max) = f.max_len
            && len > max as usize
        {
            return Err(Violation::TooLong(max));
        }
        if self.patterns.get(i).and_then(Option::as_ref).is_some_and(|re| !re.is_match(s)) {
            return Err(Violation::Pattern);
        }
        let ok = match f.ty {
            FieldType::Enum => f.values.iter().any(|v| v == s),
            ty => securegen_model::values::well_formed(ty, s),
        };
        if ok {
            Ok(())
        } else if f.ty == FieldType::Enum {
            Err(Violation::NotInEnum(f.values.clone()))
        } else {
            Err(Violation::Malformed(f.ty))
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

fn bounds(f: &Field, n: Number) -> Result<(), Violation> {
    use std::cmp::Ordering::{Greater, Less};
    if let Some(min) = f.min.filter(|m| compare(n, *m) == Some(Less)) {
        return Err(Violation::BelowMin(min));
    }
    if let Some(max) = f.max.filter(|m| compare(n, *m) == Some(Greater)) {
        return Err(Violation::AboveMax(max));
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

/// JSON has one number type, and JSON Schema counts `516.0` as an integer: a whole number
/// written with a fraction becomes the integer it is, so the published schema and the check
/// agree. Anything with a fraction, or outside `i64`, is left for the check to refuse.
fn whole_number(v: &mut Value) {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63, exactly representable
    if let Some(x) = v.as_f64().filter(|_| !v.is_i64() && !v.is_u64())
        && x.fract() == 0.0
        && (-LIMIT..LIMIT).contains(&x)
    {
        // In range and whole, so the conversion is exact.
        *v = Value::from(x as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_times_are_field_errors_not_panics() {
        let field = Field { max_len: Some(64), write: vec![Action::Create], ..Field::new("at", FieldType::Timestamp) };
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

    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        for (input, want) in [
            (serde_json::json!(516.0), serde_json::json!(516)),
            (serde_json::json!(-0.0), serde_json::json!(0)),
            (serde_json::json!(-9_223_372_036_854_775_808.0), serde_json::json!(i64::MIN)),
            (serde_json::json!(2.5), serde_json::json!(2.5)),
            (serde_json::json!(9_223_372_036_854_775_808.0), serde_json::json!(9_223_372_036_854_775_808.0)),
            (serde_json::json!(1e300), serde_json::json!(1e300)),
            (serde_json::json!(7), serde_json::json!(7)),
            (serde_json::json!("7"), serde_json::json!("7")),
        ] {
            let mut v = input.clone();
            whole_number(&mut v);
            assert_eq!(v, want, "{input}");
        }
    }
}
