//! Defaults: a default is a value the server writes for the client, so it must be one the
//! client could have written (type, bounds, length, pattern, values, form).

use regex::Regex;
use serde_yaml::Value;

use crate::diag::{Code, KeyPath};
use crate::model::{Literal, Number};
use crate::suggest;
use crate::values::{forbidden_char, well_formed};
use crate::vocab::{FieldType, ServerValue};

use super::{Validator, a_ty};

/// What a default is checked against.
pub(super) struct DefaultCtx<'a> {
    pub(super) name: &'a str,
    pub(super) ty: FieldType,
    pub(super) server: Option<ServerValue>,
    pub(super) min: Option<Number>,
    pub(super) max: Option<Number>,
    pub(super) min_len: Option<u32>,
    pub(super) max_len: Option<u32>,
    pub(super) pattern: Option<&'a Regex>,
    pub(super) values: &'a [String],
}

/// A default refused: what is wrong and what to do.
type Problem = (String, String);

fn problem(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    (message.into(), hint.into())
}

/// The default as a literal of the field's type.
fn literal(v: &Value, c: &DefaultCtx<'_>) -> Result<Literal, Problem> {
    let ty = c.ty;
    match (ty, v) {
        (_, _) if c.server.is_some() => Err(problem(
            format!("`{}` is filled by the server, so a default would never be used", c.name),
            "remove `default`",
        )),
        (FieldType::Password, _) => {
            Err(problem("a default password would be a secret shared by every row", "remove `default`"))
        }
        (FieldType::Bool, Value::Bool(b)) => Ok(Literal::Bool(*b)),
        (FieldType::Int, Value::Number(n)) if n.as_i64().is_some() => {
            Ok(Literal::Number(Number::Int(n.as_i64().unwrap_or_default())))
        }
        (FieldType::Float, Value::Number(n)) => {
            Ok(Literal::Number(n.as_i64().map_or_else(|| Number::Float(n.as_f64().unwrap_or(f64::NAN)), Number::Int)))
        }
        (_, Value::String(s)) if !ty.is_numeric() && ty != FieldType::Bool => Ok(Literal::Text(s.clone())),
        _ => Err(problem(
            format!("the default is {}, not {}", crate::decode::describe(v), a_ty(ty)),
            "give a value of the field's type",
        )),
    }
}

/// A numeric default is finite and within the bounds (integers compared exactly).
fn number(n: Number, c: &DefaultCtx<'_>) -> Result<(), Problem> {
    if !n.as_f64().is_finite() {
        return Err(problem("the default is not a finite number", "give a finite number"));
    }
    let below = |m: Number| match (n, m) {
        (Number::Int(a), Number::Int(b)) => a < b,
        _ => n.as_f64() < m.as_f64(),
    };
    let above = |m: Number| match (n, m) {
        (Number::Int(a), Number::Int(b)) => a > b,
        _ => n.as_f64() > m.as_f64(),
    };
    if c.min.is_some_and(below) || c.max.is_some_and(above) {
        let range = format!(
            "{}..={}",
            c.min.map(|m| m.to_string()).unwrap_or_default(),
            c.max.map(|m| m.to_string()).unwrap_or_default()
        );
        return Err(problem(
            format!("the default {n} is outside the field's bounds {range}"),
            "pick a default within `min` and `max`",
        ));
    }
    Ok(())
}

/// A text default is one of the values, within the lengths, matches the pattern, has no
/// control characters and has the form of its type: exactly what a client could send.
fn text(s: &str, c: &DefaultCtx<'_>) -> Result<(), Problem> {
    let len = u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
    if c.ty == FieldType::Enum && !c.values.is_empty() && !c.values.iter().any(|v| v == s) {
        let values: Vec<&str> = c.values.iter().map(String::as_str).collect();
        return Err(problem(format!("the default `{s}` is not among the values"), suggest::hint(s, &values)));
    }
    if c.min_len.is_some_and(|m| len < m) || c.max_len.is_some_and(|m| len > m) {
        return Err(problem(
            format!("the default is {len} characters long, outside the field's length bounds"),
            "pick a default within `min_len` and `max_len`",
        ));
    }
    if c.pattern.is_some_and(|re| !re.is_match(s)) {
        return Err(problem(
            format!("the default `{s}` does not match the field's pattern"),
            "pick a default that matches `pattern`",
        ));
    }
    if s.chars().any(forbidden_char) {
        return Err(problem(
            "the default holds control characters, which the service refuses in values",
            "remove them",
        ));
    }
    if !well_formed(c.ty, s) {
        return Err(problem(format!("the default `{s}` is not a valid {}", a_ty(c.ty)), "give a well-formed value"));
    }
    Ok(())
}

impl Validator<'_> {
    pub(super) fn default_value(&mut self, v: &Value, at: &KeyPath, c: DefaultCtx<'_>) -> Option<Literal> {
        let checked = literal(v, &c).and_then(|lit| {
            match &lit {
                Literal::Number(n) => number(*n, &c)?,
                Literal::Text(s) => text(s, &c)?,
                Literal::Bool(_) => {}
            }
            Ok(lit)
        });
        match checked {
            Ok(lit) => Some(lit),
            // An enum without values is reported once, by the values rule.
            Err(_) if c.ty == FieldType::Enum && c.values.is_empty() => None,
            Err((message, hint)) => {
                self.sink.error(Code::BadDefault, at, message).hint(hint);
                None
            }
        }
    }
}
