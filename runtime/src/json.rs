//! Writing JSON views straight from typed rows: no `serde_json::Value` per row. Strings are
//! escaped by `serde_json`; member names are written by generated code as literals that the
//! generator escaped once.

use time::format_description::well_known::Rfc3339;

/// A value that can be written as JSON.
pub trait JsonValue {
    /// Appends the JSON text of `self` to `out`.
    fn write_json(&self, out: &mut Vec<u8>);
}

impl JsonValue for str {
    fn write_json(&self, out: &mut Vec<u8>) {
        // Writing a `&str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl JsonValue for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        self.as_str().write_json(out);
    }
}

impl JsonValue for i64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(&mut *out, self);
    }
}

impl JsonValue for f64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        // Stored floats are finite (validated on write); a non-finite one is `null`.
        if self.is_finite() {
            let _ = serde_json::to_writer(&mut *out, self);
        } else {
            out.extend_from_slice(b"null");
        }
    }
}

impl JsonValue for bool {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

impl JsonValue for uuid::Uuid {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        out.push(b'"');
        out.extend_from_slice(self.hyphenated().encode_lower(&mut buf).as_bytes());
        out.push(b'"');
    }
}

impl JsonValue for time::OffsetDateTime {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        if !write_utc(*self, out) {
            // RFC 3339 output has no characters that need escaping.
            let _ = self.format_into(out, &Rfc3339);
        }
        out.push(b'"');
    }
}

/// RFC 3339 exactly as `time` writes it (`2026-01-02T03:04:05.5Z`: the fraction without
/// trailing zeros, none when zero) for the common case, a UTC time of a four-digit year,
/// without the general formatter: every row of a list writes one. Answers whether it did.
fn write_utc(t: time::OffsetDateTime, out: &mut Vec<u8>) -> bool {
    if !t.offset().is_utc() || !(0..=9999).contains(&t.year()) {
        return false;
    }
    let two = |out: &mut Vec<u8>, n: u8| out.extend_from_slice(&[b'0' + n / 10, b'0' + n % 10]);
    let year = t.year().unsigned_abs();
    out.extend_from_slice(&[
        b'0' + (year / 1000) as u8,
        b'0' + (year / 100 % 10) as u8,
        b'0' + (year / 10 % 10) as u8,
        b'0' + (year % 10) as u8,
        b'-',
    ]);
    two(out, u8::from(t.month()));
    out.push(b'-');
    two(out, t.day());
    out.push(b'T');
    two(out, t.hour());
    out.push(b':');
    two(out, t.minute());
    out.push(b':');
    two(out, t.second());
    let mut nanos = t.nanosecond();
    if nanos != 0 {
        out.push(b'.');
        let mut digits = 9;
        while nanos.is_multiple_of(10) {
            nanos /= 10;
            digits -= 1;
        }
        let start = out.len();
        out.resize(start + digits, b'0');
        for slot in out[start..].iter_mut().rev() {
            *slot = b'0' + (nanos % 10) as u8;
            nanos /= 10;
        }
    }
    out.push(b'Z');
    true
}

impl JsonValue for time::Date {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        out.extend_from_slice(securegen_model::values::format_date(*self).as_bytes());
        out.push(b'"');
    }
}

impl<T: JsonValue> JsonValue for Option<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
    }
}

/// The members of one JSON object being written.
#[derive(Debug)]
pub struct JsonObject<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> JsonObject<'a> {
    /// Opens an object in `out`.
    pub fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, first: true }
    }

    /// Writes one member. `key` is the member name already written as JSON with its colon
    /// (`"\"item\":"`): generated code passes literals that the generator escaped.
    #[inline]
    pub fn member<V: JsonValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(key.as_bytes());
        value.write_json(self.out);
    }

    /// Closes the object.
    pub fn close(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn timestamps_are_written_as_the_general_formatter_writes_them(
            secs in -80_000_000_000i64..253_000_000_000i64,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1_000_000).prop_map(|m| m * 1000)],
            offset in prop_oneof![Just(0i32), -50_000i32..50_000],
        ) {
            let t = time::OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap()
                .to_offset(time::UtcOffset::from_whole_seconds(offset - offset % 60).unwrap());
            let mut fast = Vec::new();
            t.write_json(&mut fast);
            let general = format!("\"{}\"", t.format(&Rfc3339).unwrap_or_default());
            prop_assert_eq!(String::from_utf8(fast).unwrap(), general);
        }
    }

    #[test]
    fn values_are_json() {
        let mut out = Vec::new();
        let mut o = JsonObject::open(&mut out);
        o.member("\"a\":", "x\"\n\u{2028}");
        o.member("\"b\":", &Some(1.5f64));
        o.member("\"c\":", &None::<i64>);
        o.member("\"d\":", &uuid::Uuid::nil());
        o.member("\"e\":", &time::macros::datetime!(2026-01-02 03:04:05.5 UTC));
        o.member("\"f\":", &time::macros::date!(2026 - 01 - 02));
        o.member("\"g\":", &f64::NAN);
        o.close();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["a"], "x\"\n\u{2028}");
        assert_eq!(v["b"], 1.5);
        assert!(v["c"].is_null() && v["g"].is_null());
        assert_eq!(v["d"], "00000000-0000-0000-0000-000000000000");
        assert_eq!(v["e"], "2026-01-02T03:04:05.5Z");
        assert_eq!(v["f"], "2026-01-02");
    }
}
