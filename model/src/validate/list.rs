//! `list:` of a resource: the fields a list may be filtered, sorted and searched by. Each rule
//! keeps a list query from becoming an oracle on data the caller cannot read (OWASP API3) or a
//! way to burn the server's CPU (API4).

use super::Validator;
use crate::diag::{Code, KeyPath};
use crate::model::{ListQuery, Resource};
use crate::raw::RawList;
use crate::suggest;
use crate::vocab::{Action, FieldType};

/// Longest string field a list may be sorted by: its last value travels in the cursor.
pub(crate) const MAX_SORT_LEN: u32 = 256;

/// Which list a name is in, for messages.
#[derive(Clone, Copy)]
enum Use {
    Filter,
    Sort,
    Search,
}

impl Use {
    fn key(self) -> &'static str {
        match self {
            Self::Filter => "filter",
            Self::Sort => "sort",
            Self::Search => "search",
        }
    }
}

impl Validator<'_> {
    /// The query allowlists of `r`, each name checked against its fields.
    pub(super) fn list_query(&mut self, r: &Resource, raw: Option<&RawList>, at: &KeyPath) -> ListQuery {
        let Some(raw) = raw else { return ListQuery::default() };
        let at = at.key("list");
        if !r.access.contains_key(&Action::List) {
            self.sink
                .error_at_key(Code::ListField, &at, format!("`{}` has no `list` action to query", r.name))
                .hint("grant `list` in `access:`, or remove `list:`");
        }
        let mut take = |names: Option<&Vec<String>>, how: Use| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for (i, name) in names.into_iter().flatten().enumerate() {
                let here = at.key(how.key()).index(i);
                if out.contains(name) {
                    self.sink
                        .error(Code::ListField, &here, format!("`{name}` is listed twice"))
                        .hint("list each field once");
                } else if self.list_field(r, name, how, &here) {
                    out.push(name.clone());
                }
            }
            out
        };
        ListQuery {
            filter: take(raw.filter.as_ref(), Use::Filter),
            sort: take(raw.sort.as_ref(), Use::Sort),
            search: take(raw.search.as_ref(), Use::Search),
        }
    }

    /// Whether `name` may be used `how`; reports why not.
    fn list_field(&mut self, r: &Resource, name: &str, how: Use, at: &KeyPath) -> bool {
        let Some(f) = r.field(name) else {
            let hint = match suggest::closest(name, r.fields.iter().map(|f| f.name.as_str())) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("name a field of `{}`", r.name),
            };
            self.sink.error(Code::ListField, at, format!("`{name}` is not a field of `{}`", r.name)).hint(hint);
            return false;
        };
        let refusal: Option<(String, &str)> = if !f.is_readable() {
            // No caller may read it, so no caller may learn about it by narrowing a list.
            Some((
                format!("`{name}` is never readable (redacted or a password): a {} on it would reveal it", how.key()),
                "query only fields some caller may read",
            ))
        } else {
            match how {
                Use::Filter => None,
                Use::Sort if f.optional => Some((
                    format!("`{name}` is optional: a list cannot be sorted by a field rows may lack"),
                    "sort by a required field (ties are broken by id)",
                )),
                Use::Sort if f.max_len.is_some_and(|l| l > MAX_SORT_LEN) && f.ty != FieldType::Enum => Some((
                    format!("`{name}` may be longer than {MAX_SORT_LEN} characters, too long to continue a page from"),
                    "give it a smaller `max_len`, or sort by another field",
                )),
                Use::Sort => None,
                Use::Search if !f.ty.is_textual() => {
                    Some((format!("`{name}` is not text: `q` searches text fields"), "filter on it instead"))
                }
                Use::Search => None,
            }
        };
        match refusal {
            Some((message, hint)) => {
                self.sink.error(Code::ListField, at, message).hint(hint);
                false
            }
            None => true,
        }
    }
}
