//! Defaults: a default is a value the server writes for the client, so it must be one the
//! client could have written (type, bounds, length, pattern, values, form).

use regex::Regex;
use serde_yaml::Value;

use crate::diag::{Code, KeyPath};
use crate::model::{Literal, Number};
use crate::suggest;
use crate::values::well_formed;
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

impl Validator<'_> {
    pub(super) fn default_value(&mut self, v: &Value, at: &KeyPath, c: DefaultCtx<'_>) -> Option<Literal> {
        let bad = |this: &mut Self, msg: String, hint: &str| {
            this.sink.error(Code::BadDefault, at, msg).hint(hint.to_owned());
            None
        };
        if c.server.is_some() {
            return bad(
                self,
                format!("`{}` is filled by the server, so a default would never be used", c.name),
                "remove `default`",
            );
        }
        let ty = c.ty;
        let lit = match (ty, v) {
            (FieldType::Password, _) => {
                return bad(
                    self,
                    "a default password would be a secret shared by every row".to_owned(),
                    "remove `default`",
                );
            }
            (FieldType::Bool, Value::Bool(b)) => Literal::Bool(*b),
            (FieldType::Int, Value::Number(n)) if n.as_i64().is_some() => Literal::Number(Number::Int(n.as_i64()?)),
            (FieldType::Float, Value::Number(n)) => {
                Literal::Number(n.as_i64().map_or_else(|| Number::Float(n.as_f64().unwrap_or(f64::NAN)), Number::Int))
            }
            (_, Value::String(s)) if !ty.is_numeric() && ty != FieldType::Bool => Literal::Text(s.clone()),
            _ => {
                return bad(
                    self,
                    format!("the default is {}, not {}", crate::decode::describe(v), a_ty(ty)),
                    "give a value of the field's type",
                );
            }
        };
        match &lit {
            Literal::Number(n) => {
                let x = n.as_f64();
                if !x.is_finite() {
                    return bad(self, "the default is not a finite number".to_owned(), "give a finite number");
                }
                if c.min.is_some_and(|m| x < m.as_f64()) || c.max.is_some_and(|m| x > m.as_f64()) {
                    let range = format!(
                        "{}..={}",
                        c.min.map(|m| m.to_string()).unwrap_or_default(),
                        c.max.map(|m| m.to_string()).unwrap_or_default()
                    );
                    return bad(
                        self,
                        format!("the default {n} is outside the field's bounds {range}"),
                        "pick a default within `min` and `max`",
                    );
                }
            }
            Literal::Text(s) => {
                let len = u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
                if ty == FieldType::Enum && !c.values.contains(s) {
                    if c.values.is_empty() {
                        return None;
                    }
                    let values: Vec<&str> = c.values.iter().map(String::as_str).collect();
                    return bad(self, format!("the default `{s}` is not among the values"), &suggest::hint(s, &values));
                }
                if c.min_len.is_some_and(|m| len < m) || c.max_len.is_some_and(|m| len > m) {
                    return bad(
                        self,
                        format!("the default is {len} characters long, outside the field's length bounds"),
                        "pick a default within `min_len` and `max_len`",
                    );
                }
                if c.pattern.is_some_and(|re| !re.is_match(s)) {
                    return bad(
                        self,
                        format!("the default `{s}` does not match the field's pattern"),
                        "pick a default that matches `pattern`",
                    );
                }
                let well_formed = well_formed(ty, s);
                if !well_formed {
                    return bad(
                        self,
                        format!("the default `{s}` is not a valid {}", a_ty(ty)),
                        "give a well-formed value",
                    );
                }
            }
            Literal::Bool(_) => {}
        }
        Some(lit)
    }
}
