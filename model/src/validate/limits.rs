//! `defaults.limits` and `resources.*.limits` (OWASP API4): each key resolved over the
//! defaults, each bounded so that no value can overflow, or allocate in proportion to itself,
//! anywhere downstream.

use crate::diag::{Code, KeyPath};
use crate::limits::{ByteSize, Limits, MAX_BODY, MAX_PAGE, Rate};
use crate::raw::RawLimits;

use super::Validator;

impl Validator<'_> {
    /// Resolves limits over `base`, key by key.
    pub(super) fn limits(
        &mut self,
        base: &Limits,
        raw: Option<&RawLimits>,
        at: &KeyPath,
        service_wide: bool,
    ) -> Limits {
        let mut l = base.clone();
        let Some(raw) = raw else {
            return l;
        };
        if let Some(s) = &raw.rate {
            match s.parse::<Rate>() {
                Ok(r) => l.rate = r,
                Err(e) => {
                    self.sink.error(Code::BadFormat, &at.key("rate"), e.message).hint(e.hint);
                }
            }
        }
        if let Some(s) = &raw.body {
            match s.parse::<ByteSize>() {
                Ok(b) => l.body = b,
                Err(e) => {
                    self.sink.error(Code::BadFormat, &at.key("body"), e.message).hint(e.hint);
                }
            }
        }
        let max_len_cap = u32::try_from(MAX_BODY).unwrap_or(u32::MAX);
        for (key, value, slot, cap) in [
            ("page_default", raw.page_default, &mut l.page_default, MAX_PAGE),
            ("page_max", raw.page_max, &mut l.page_max, MAX_PAGE),
            ("max_len", raw.max_len, &mut l.max_len, max_len_cap),
        ] {
            match value {
                Some(0) => {
                    self.sink
                        .error(Code::Range, &at.key(key), format!("`{key}` must be at least 1"))
                        .hint(format!("the default is {slot}"));
                }
                Some(v) if v > cap => {
                    self.sink
                        .error(Code::Range, &at.key(key), format!("`{key}` {v} is above the ceiling of {cap}"))
                        .hint(format!("use at most {cap}"));
                }
                Some(v) => *slot = v,
                None => {}
            }
        }
        self.backend(raw, &mut l, at, service_wide);
        self.page_sizes(raw, &l, at);
        l
    }

    /// Where rate-limit state lives is a property of the deployment, not of one resource.
    fn backend(&mut self, raw: &RawLimits, l: &mut Limits, at: &KeyPath, service_wide: bool) {
        let Some(b) = raw.backend else { return };
        if service_wide {
            l.backend = b;
        } else {
            self.sink
                .error_at_key(
                    Code::UnknownKey,
                    &at.key("backend"),
                    "`backend` is service-wide and cannot be set per resource",
                )
                .hint("set it under `defaults.limits`");
        }
    }

    /// The default page must fit in the largest; huge pages make every list expensive.
    fn page_sizes(&mut self, raw: &RawLimits, l: &Limits, at: &KeyPath) {
        let set_here = raw.page_default.is_some_and(|v| v > 0) || raw.page_max.is_some_and(|v| v > 0);
        if l.page_default > l.page_max && set_here {
            let (key, msg) = if raw.page_max.is_some() {
                (
                    "page_max",
                    format!("`page_max` {} is below the page size `page_default` {}", l.page_max, l.page_default),
                )
            } else {
                ("page_default", format!("`page_default` {} is above `page_max` {}", l.page_default, l.page_max))
            };
            self.sink.error(Code::Range, &at.key(key), msg).hint("`page_default` must not exceed `page_max`");
        }
        if l.page_max > 1000 && raw.page_max.is_some() {
            self.sink
                .warn(
                    Code::LargePage,
                    &at.key("page_max"),
                    format!("pages of up to {} rows make each list request expensive", l.page_max),
                )
                .hint("keep `page_max` at 1000 or below; clients page with `cursor`");
        }
    }
}
