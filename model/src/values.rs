//! The forms of values, in one place: the checker holds spec defaults to them, the runtime
//! holds request values to them, and the OpenAPI document describes them. Parsing is done by
//! the `uuid` and `time` crates behind a strict shape check (ASCII only, fixed widths, no
//! signs), so nothing here slices text at a byte that may not be a character boundary.

use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::vocab::FieldType;

/// `YYYY-MM-DD`.
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Timestamps as stored: UTC, microseconds, fixed width, so that text order is time order.
const STORED: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Whether `c` is refused in text values: control characters other than tab and line
/// breaks (they forge log lines and confuse terminals).
pub fn forbidden_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The JSON Schema pattern of text without [`forbidden_char`]s (a test keeps the two equal).
pub const NO_CONTROL_PATTERN: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

/// The RFC 9562 hyphenated form, lower or upper case: `0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e`.
pub fn parse_uuid(s: &str) -> Option<uuid::Uuid> {
    // At 36 bytes the parser accepts only the hyphenated form (hyphens at 8, 13, 18, 23,
    // hex digits elsewhere); the other forms it knows (simple, braced, URN) have other lengths.
    if s.len() == 36 { uuid::Uuid::try_parse(s).ok() } else { None }
}

/// A calendar date `YYYY-MM-DD` that exists.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if shape { Date::parse(s, DATE).ok() } else { None }
}

/// An RFC 3339 date and time with an offset: `2026-11-22T10:00:00Z`,
/// `2026-11-22T10:00:00.5+01:00`.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    let shape = b.len() >= 20
        && b.len() <= 40
        && s.is_ascii()
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && matches!(b[10], b'T' | b't');
    if !shape {
        return None;
    }
    stored_timestamp(b).or_else(|| OffsetDateTime::parse(s, &Rfc3339).ok())
}

/// The form timestamps are stored in (`2026-11-22T10:00:00.123456Z`), read without a
/// general parser: every row of a list decodes one, so it is the common case by far.
fn stored_timestamp(b: &[u8]) -> Option<OffsetDateTime> {
    if b.len() != 27 || b[19] != b'.' || b[26] != b'Z' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let day = u8::try_from(num(8, 10)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let (hour, minute, second) =
        (u8::try_from(num(11, 13)?).ok()?, u8::try_from(num(14, 16)?).ok()?, u8::try_from(num(17, 19)?).ok()?);
    let t = time::Time::from_hms_micro(hour, minute, second, num(20, 26)?).ok()?;
    Some(date.with_time(t).assume_utc())
}

/// A date as written in JSON and stored.
pub fn format_date(d: Date) -> String {
    d.format(DATE).unwrap_or_default()
}

/// A timestamp as stored in text columns: UTC, microseconds, fixed width.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC).format(STORED).unwrap_or_default()
}

/// A plausible e-mail address: one `@`, a non-empty local part of at most 64 bytes, a dotted
/// domain of letters, digits and hyphens, no white space.
pub fn is_email(s: &str) -> bool {
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

/// An absolute `http` or `https` URL with a host, no white space.
pub fn is_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !s.chars().any(char::is_whitespace))
}

/// Whether `s` has the form of `ty` (for text-carried types; `true` for the others).
pub fn well_formed(ty: FieldType, s: &str) -> bool {
    match ty {
        FieldType::Uuid | FieldType::Ref => parse_uuid(s).is_some(),
        FieldType::Email => is_email(s),
        FieldType::Url => is_url(s),
        FieldType::Date => parse_date(s).is_some(),
        FieldType::Timestamp => parse_timestamp(s).is_some(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The hyphenated form, checked the slow, obvious way.
    fn hyphenated(s: &str) -> bool {
        s.len() == 36
            && s.bytes()
                .enumerate()
                .all(|(i, b)| if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() })
    }

    proptest! {
        #[test]
        fn the_stored_form_reads_as_the_general_parser_reads_it(
            secs in -62_000_000_000i64..250_000_000_000i64, micros in 0u32..1_000_000, digits in 0usize..=9,
        ) {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap().replace_microsecond(micros).unwrap();
            let stored = format_timestamp(t);
            prop_assert_eq!(stored_timestamp(stored.as_bytes()), OffsetDateTime::parse(&stored, &Rfc3339).ok());
            prop_assert_eq!(parse_timestamp(&stored), Some(t));
            // Any other width of fraction is not the stored form, and goes the general way.
            let other = format!("{}.{}Z", &stored[..19], &"123456789"[..digits]);
            prop_assert_eq!(parse_timestamp(&other), OffsetDateTime::parse(&other, &Rfc3339).ok());
        }

        #[test]
        fn uuids_are_accepted_exactly_in_the_hyphenated_form(
            s in prop_oneof![
                "[0-9a-fA-F-]{36}",
                "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "\\PC{30,40}",
                "[0-9a-f{}:urn-]{32,45}",
            ]
        ) {
            prop_assert_eq!(parse_uuid(&s).is_some(), hyphenated(&s), "{:?}", s);
        }
    }

    #[test]
    fn forms() {
        assert!(parse_uuid("0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e").is_some());
        for bad in [
            "0192f0c47b7e7c1a9d0e3f2a1b4c5d6e",
            "{0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e}",
            "0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6é",
        ] {
            assert!(parse_uuid(bad).is_none(), "{bad}");
        }
        assert!(parse_date("2028-02-29").is_some());
        for bad in ["2027-02-29", "2027-13-01", "+027-01-01", "2027-1-01", "２０２７-01-01", "2027-01-0é"] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert!(parse_timestamp("2026-11-22T10:00:00Z").is_some());
        assert!(parse_timestamp("2026-11-22T10:00:00.123+01:00").is_some());
        for bad in [
            "2026-11-22 10:00:00Z",
            "2026-11-22T25:00:00Z",
            "2026-11-22T10:00:00+25:00",
            "-026-11-22T10:00:00Z",
            "2026-11-22T10:00:00é",
            "2026-11-22T10:00:00",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
        let t = parse_timestamp("2026-11-22T10:00:00.5+01:00").unwrap();
        assert_eq!(format_timestamp(t), "2026-11-22T09:00:00.500000Z");
        assert!(is_email("a@example.com") && !is_email("a@b") && !is_email("a b@example.com"));
        assert!(is_url("https://example.com/x") && !is_url("javascript:alert(1)"));
    }

    #[test]
    fn the_pattern_is_the_predicate() {
        // The ranges the pattern spells, compared with the predicate over every character.
        let ranges: &[(u32, u32)] = &[(0x00, 0x08), (0x0b, 0x0b), (0x0c, 0x0c), (0x0e, 0x1f), (0x7f, 0x9f)];
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let in_pattern = ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&u32::from(c)));
            assert_eq!(forbidden_char(c), in_pattern, "{:?}", c);
        }
        for (lo, hi) in ranges {
            let text = if lo == hi { format!("\\u{lo:04x}") } else { format!("\\u{lo:04x}-\\u{hi:04x}") };
            assert!(NO_CONTROL_PATTERN.contains(&text), "{text} is in the pattern");
        }
    }
}
