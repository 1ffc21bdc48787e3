//! The query of a list: `limit`, `cursor`, and the filters, sort and search the resource's
//! `list:` allows (OWASP API3/API4). A field the caller may not read on the rows listed is
//! refused exactly like a field that does not exist, so that narrowing a list never reveals
//! a hidden value; every value passes the field's own rules; every parameter appears once,
//! `in` lists and `q` are bounded. The parameters that shape the rows (all but `limit` and
//! `cursor`) make the query's fingerprint, which a cursor is bound to.

use securegen_model::{FieldType, MAX_IN_VALUES, MAX_SEARCH_CHARS, Resource as Policy};
use serde_json::Value;

use crate::db::bind::Bind;
use crate::error::{ApiError, FieldError};
use crate::page::{PageRequest, clamped_limit};
use crate::rules::Rules;

/// Most parameters one list query may carry.
const MAX_PARAMS: usize = 16;

/// A comparison of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `?f=v`.
    Eq,
    /// `?f.lt=v`.
    Lt,
    /// `?f.lte=v`.
    Lte,
    /// `?f.gt=v`.
    Gt,
    /// `?f.gte=v`.
    Gte,
    /// `?f.in=a,b` (enums).
    In,
}

impl Op {
    fn parse(suffix: Option<&str>) -> Option<Self> {
        Some(match suffix {
            None => Self::Eq,
            Some("lt") => Self::Lt,
            Some("lte") => Self::Lte,
            Some("gt") => Self::Gt,
            Some("gte") => Self::Gte,
            Some("in") => Self::In,
            Some(_) => return None,
        })
    }

    /// The SQL comparison (`In` is written apart).
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Self::Eq | Self::In => "=",
            Self::Lt => "<",
            Self::Lte => "<=",
            Self::Gt => ">",
            Self::Gte => ">=",
        }
    }

    /// Whether the field's type takes this comparison.
    fn fits(self, ty: FieldType) -> bool {
        match self {
            Self::Eq => true,
            Self::In => ty == FieldType::Enum,
            _ => ty.is_ordered(),
        }
    }
}

/// One filter: a field (by position in the policy), a comparison, its values.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    /// The field's position.
    pub(crate) field: usize,
    /// The comparison.
    pub(crate) op: Op,
    /// One value, or several for `In`.
    pub(crate) binds: Vec<Bind>,
}

/// The order of a list: a field (by position), ascending or descending, ties by id alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sort {
    /// The field's position.
    pub(crate) field: usize,
    /// `?sort=-field`.
    pub(crate) descending: bool,
}

/// A parsed list query.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    /// `limit` and the raw `cursor`.
    pub(crate) page: PageRequest,
    /// The filters, in the order given.
    pub(crate) filters: Vec<Filter>,
    /// The order, when not by id.
    pub(crate) sort: Option<Sort>,
    /// `?q=`: the LIKE pattern (wildcards escaped) and the fields it searches.
    pub(crate) search: Option<(String, Vec<usize>)>,
    /// The parameters that shape the rows, canonical: a cursor is bound to them.
    pub(crate) fingerprint: String,
}

impl ListQuery {
    /// Whether the list is the plain one: every row in scope, in id order.
    pub(crate) fn is_plain(&self) -> bool {
        self.filters.is_empty() && self.sort.is_none() && self.search.is_none()
    }
}

/// The error of a parameter that is not there for this caller: unknown, hidden or not
/// allowed look the same.
fn unknown() -> FieldError {
    FieldError::new("/", "unknown query parameter")
}

/// `%text%` for LIKE with `\` as the escape: the caller's `%`, `_` and `\` match themselves.
fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The JSON value of a parameter's text for a field of type `ty`, for the field's rules.
fn typed(ty: FieldType, text: &str) -> Value {
    match ty {
        FieldType::Int => text.parse::<i64>().map_or_else(|_| Value::from(text), Value::from),
        FieldType::Float => {
            text.parse::<f64>().ok().filter(|f| f.is_finite()).map_or_else(|| Value::from(text), Value::from)
        }
        FieldType::Bool => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::from(text),
        },
        _ => Value::from(text),
    }
}

/// Parses a list's query string. `visible(i)` answers whether the caller may read field `i`
/// on every row this list can return.
pub(crate) fn parse(
    policy: &Policy,
    rules: &Rules,
    query: Option<&str>,
    visible: impl Fn(usize) -> bool,
) -> Result<ListQuery, ApiError> {
    let (page_default, page_max) = (policy.limits.page_default, policy.limits.page_max);
    let mut limit = None;
    let mut cursor = None;
    let mut filters = Vec::new();
    let mut sort = None;
    let mut search = None;
    let mut seen: Vec<String> = Vec::new();
    let mut shaping: Vec<(String, String)> = Vec::new();
    let mut errors = Vec::new();
    let pairs = form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    for (n, (key, value)) in pairs.enumerate() {
        if n == MAX_PARAMS {
            errors.push(FieldError::new("/", format!("at most {MAX_PARAMS} query parameters")));
            break;
        }
        if seen.contains(&key.to_string()) {
            errors.push(FieldError::new(format!("/{}", crate::access::escape_pointer(&key)), "may appear once"));
            continue;
        }
        seen.push(key.to_string());
        match &*key {
            "limit" => {
                limit = Some(clamped_limit(&value, page_max).unwrap_or_else(|| {
                    errors.push(FieldError::new("/limit", "must be an integer from 1"));
                    page_default
                }));
                continue;
            }
            "cursor" => {
                cursor = Some(value.into_owned());
                continue;
            }
            "sort" => match sort_of(policy, &value, &visible) {
                Some(s) => sort = Some(s),
                None => errors.push(FieldError::new("/sort", "cannot sort by this")),
            },
            "q" => match search_of(policy, &value, &visible) {
                Ok(s) => search = Some(s),
                Err(e) => errors.push(e),
            },
            _ => match filter_of(policy, rules, &key, &value, &visible) {
                Ok(f) => filters.push(f),
                Err(e) => errors.push(e),
            },
        }
        shaping.push((key.into_owned(), value.into_owned()));
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { detail: "the query is invalid".to_owned(), errors });
    }
    shaping.sort();
    let fingerprint = form_urlencoded::Serializer::new(String::new()).extend_pairs(shaping).finish();
    Ok(ListQuery {
        page: PageRequest { limit: limit.unwrap_or(page_default).min(page_max), cursor },
        filters,
        sort,
        search,
        fingerprint,
    })
}

/// `field` or `-field`, when the field is allowed and visible.
fn sort_of(policy: &Policy, value: &str, visible: &impl Fn(usize) -> bool) -> Option<Sort> {
    let (name, descending) = match value.strip_prefix('-') {
        Some(n) => (n, true),
        None => (value, false),
    };
    let i = allowed(policy, &policy.list.sort, name, visible)?;
    Some(Sort { field: i, descending })
}

/// The position of `name` when it is in `list` and visible.
fn allowed(policy: &Policy, list: &[String], name: &str, visible: &impl Fn(usize) -> bool) -> Option<usize> {
    if !list.iter().any(|n| n == name) {
        return None;
    }
    policy.fields.iter().position(|f| f.name == name).filter(|&i| visible(i))
}

/// `q`: bounded, searching the allowed fields this caller may read.
fn search_of(
    policy: &Policy,
    value: &str,
    visible: &impl Fn(usize) -> bool,
) -> Result<(String, Vec<usize>), FieldError> {
    let fields: Vec<usize> =
        policy.list.search.iter().filter_map(|n| allowed(policy, &policy.list.search, n, visible)).collect();
    if fields.is_empty() {
        return Err(unknown());
    }
    let chars = value.chars().count();
    if chars == 0 || chars > MAX_SEARCH_CHARS {
        return Err(FieldError::new("/q", format!("must be 1 to {MAX_SEARCH_CHARS} characters")));
    }
    if value.chars().any(securegen_model::values::forbidden_char) {
        return Err(FieldError::new("/q", "must not contain control characters"));
    }
    Ok((like_pattern(value), fields))
}

/// `field[.op]=value`, when the field is allowed and visible and the value passes its rules.
fn filter_of(
    policy: &Policy,
    rules: &Rules,
    key: &str,
    value: &str,
    visible: &impl Fn(usize) -> bool,
) -> Result<Filter, FieldError> {
    let (name, suffix) = match key.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (key, None),
    };
    let i = allowed(policy, &policy.list.filter, name, visible).ok_or_else(unknown)?;
    let f = &policy.fields[i];
    let op = Op::parse(suffix).filter(|op| op.fits(f.ty)).ok_or_else(unknown)?;
    let pointer = format!("/{}", crate::access::escape_pointer(key));
    let texts: Vec<&str> = if op == Op::In { value.split(',').collect() } else { vec![value] };
    if texts.len() > MAX_IN_VALUES {
        return Err(FieldError::new(pointer, format!("at most {MAX_IN_VALUES} values")));
    }
    let mut binds = Vec::with_capacity(texts.len());
    for text in texts {
        let v = typed(f.ty, text);
        // A filter value is never null: `optional` does not make an empty one valid.
        let checked = if v.is_null() { Err("may not be null".to_owned()) } else { rules.check_value(i, f, &v) };
        checked.map_err(|detail| FieldError::new(pointer.clone(), detail))?;
        binds.push(
            Bind::of(f, &v).ok_or_else(|| FieldError::new(pointer.clone(), format!("must be a valid {}", f.ty)))?,
        );
    }
    Ok(Filter { field: i, op, binds })
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn wildcards_match_themselves() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
