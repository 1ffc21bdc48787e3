//! Request limits (OWASP API4): rates, body sizes and page sizes, with their parsers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocab::Backend;

/// The period of a [`Rate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// One second.
    Second,
    /// Sixty seconds.
    Minute,
    /// 3600 seconds.
    Hour,
}

impl Per {
    /// The period in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            Self::Second => 1,
            Self::Minute => 60,
            Self::Hour => 3600,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
        }
    }
}

/// A request rate such as `20/minute`: at most `count` requests per `per`, enforced as GCRA
/// (the burst is `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rate {
    /// Requests allowed per period (at least 1).
    pub count: u32,
    /// The period.
    pub per: Per,
}

/// Why a rate, size or date could not be parsed; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// An example of the right form.
    pub hint: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormatError {}

fn format_error(message: impl Into<String>, hint: impl Into<String>) -> FormatError {
    FormatError { message: message.into(), hint: hint.into() }
}

impl FromStr for Rate {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const HINT: &str = "write a rate as N/second, N/minute or N/hour, e.g. `100/minute`";
        let Some((count, per)) = s.split_once('/') else {
            return Err(format_error(format!("`{s}` is not a rate"), HINT));
        };
        let per = match per {
            "second" => Per::Second,
            "minute" => Per::Minute,
            "hour" => Per::Hour,
            other => return Err(format_error(format!("`{other}` is not a rate period"), HINT)),
        };
        let count: u32 = count.parse().map_err(|_| format_error(format!("`{count}` is not a request count"), HINT))?;
        if count == 0 {
            return Err(format_error(
                "a rate of 0 blocks every request",
                "use at least `1/hour`; remove the action from `access` to close it",
            ));
        }
        Ok(Self { count, per })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.per.as_str())
    }
}

impl TryFrom<String> for Rate {
    type Error = FormatError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Rate> for String {
    fn from(r: Rate) -> Self {
        r.to_string()
    }
}

/// The largest page a list may return: a page is one query and one response in memory.
pub const MAX_PAGE: u32 = 10_000;

/// The largest request body a service accepts: at most 16 MiB.
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

/// A size in bytes written as `N`, `NB`, `NKiB` or `NMiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const HINT: &str = "write a size as N, NB, NKiB or NMiB, e.g. `16KiB`";
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let factor = match unit {
            "" | "B" => 1,
            "KiB" => 1024,
            "MiB" => 1024 * 1024,
            "KB" | "kB" | "K" | "k" | "Kb" | "kb" | "kib" => {
                return Err(format_error(
                    format!("`{unit}` is ambiguous"),
                    "sizes are binary: write `KiB` (1024 bytes)",
                ));
            }
            "MB" | "M" | "m" | "Mb" | "mb" | "mib" => {
                return Err(format_error(format!("`{unit}` is ambiguous"), "sizes are binary: write `MiB` (1024 KiB)"));
            }
            other => return Err(format_error(format!("`{other}` is not a size unit"), HINT)),
        };
        let n: u64 = digits.parse().map_err(|_| format_error(format!("`{s}` is not a size"), HINT))?;
        let bytes = n.checked_mul(factor).filter(|b| *b <= MAX_BODY);
        match bytes {
            Some(0) => Err(format_error("a size of 0 refuses every body", "use at least `1KiB`")),
            Some(b) => Ok(Self(b)),
            None => Err(format_error(
                format!("`{s}` is above the 16MiB ceiling"),
                "large uploads belong in object storage, not in a JSON body",
            )),
        }
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b.is_multiple_of(1024 * 1024) {
            write!(f, "{}MiB", b / (1024 * 1024))
        } else if b.is_multiple_of(1024) {
            write!(f, "{}KiB", b / 1024)
        } else {
            write!(f, "{b}B")
        }
    }
}

impl TryFrom<String> for ByteSize {
    type Error = FormatError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ByteSize> for String {
    fn from(b: ByteSize) -> Self {
        b.to_string()
    }
}

/// The limits in force for one resource, every key resolved (nothing left to inherit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Requests per principal (per client IP for anonymous callers).
    pub rate: Rate,
    /// Largest request body.
    pub body: ByteSize,
    /// Page size when `?limit` is absent.
    pub page_default: u32,
    /// `?limit` is clamped to this.
    pub page_max: u32,
    /// Bound of every string field that sets none.
    pub max_len: u32,
    /// Where rate-limit state lives.
    pub backend: Backend,
}

impl Default for Limits {
    /// The secure defaults of DESIGN.md §2.
    fn default() -> Self {
        Self {
            rate: Rate { count: 100, per: Per::Minute },
            body: ByteSize(16 * 1024),
            page_default: 20,
            page_max: 100,
            max_len: 1024,
            backend: Backend::Memory,
        }
    }
}

/// A calendar date `YYYY-MM-DD`, checked to exist (used for `sunset`).
pub fn parse_date(s: &str) -> Result<time::Date, FormatError> {
    crate::values::parse_date(s).ok_or_else(|| {
        format_error(format!("`{s}` is not a valid date"), "write dates as YYYY-MM-DD, e.g. `2027-06-30`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        let r: Rate = "20/minute".parse().unwrap();
        assert_eq!(r, Rate { count: 20, per: Per::Minute });
        assert_eq!(r.to_string(), "20/minute");
        assert!("0/minute".parse::<Rate>().is_err());
        assert!("20/min".parse::<Rate>().is_err());
        assert!("-1/second".parse::<Rate>().is_err());
        assert!("twenty/second".parse::<Rate>().is_err());
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!("16KiB".parse::<ByteSize>().unwrap(), ByteSize(16384));
        assert_eq!("512".parse::<ByteSize>().unwrap(), ByteSize(512));
        assert_eq!("1MiB".parse::<ByteSize>().unwrap().to_string(), "1MiB");
        assert_eq!(ByteSize(1500).to_string(), "1500B");
        assert!("16KB".parse::<ByteSize>().unwrap_err().hint.contains("KiB"));
        assert!("17MiB".parse::<ByteSize>().is_err());
        assert!("99999999999999999999MiB".parse::<ByteSize>().is_err());
        assert!("0B".parse::<ByteSize>().is_err());
    }

    #[test]
    fn dates_are_checked_for_existence() {
        assert_eq!(parse_date("2028-02-29").map(|d| d.to_string()), Ok("2028-02-29".to_owned()));
        assert!(parse_date("2027-02-29").is_err());
        assert!(parse_date("2027-13-01").is_err());
        assert!(parse_date("30.06.2027").is_err());
    }
}
