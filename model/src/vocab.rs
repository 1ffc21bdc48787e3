//! The closed vocabularies of the spec: actions, field types, algorithms and the other
//! keyword sets. Each is a plain enum with one spelling per variant, shared by the YAML
//! front end, the attribute front end and the runtime.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A closed set of keywords, each variant spelled exactly one way in a spec.
pub trait Keyword: Sized + Copy + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// What the keyword names, for messages ("an action", "a field type").
    const WHAT: &'static str;
    /// The spelling of this variant in a spec.
    fn as_str(self) -> &'static str;
    /// Parses an exact spelling.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
    /// All spellings, in declaration order.
    fn spellings() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.as_str()).collect()
    }
}

/// An unknown spelling of a [`Keyword`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKeyword {
    /// What kind of keyword was expected.
    pub what: &'static str,
    /// The spelling that matched nothing.
    pub found: String,
}

impl fmt::Display for UnknownKeyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not {}", self.found, self.what)
    }
}

impl std::error::Error for UnknownKeyword {}

macro_rules! keyword {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl Keyword for $name {
            const ALL: &'static [Self] = &[$(Self::$variant,)+];
            const WHAT: &'static str = $what;
            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownKeyword;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as Keyword>::parse(s).ok_or_else(|| UnknownKeyword { what: $what, found: s.to_owned() })
            }
        }
    };
}

keyword! {
    /// An operation on a resource. An action not granted in `access` has no route.
    Action, "an action" {
        /// `POST /resources`
        Create = "create",
        /// `GET /resources/{id}`
        Read = "read",
        /// `GET /resources?limit=&cursor=`
        List = "list",
        /// `PATCH /resources/{id}`
        Update = "update",
        /// `DELETE /resources/{id}`
        Delete = "delete",
    }
}

impl Action {
    /// Whether the action changes data (and so is always audited).
    pub fn is_write(self) -> bool {
        matches!(self, Self::Create | Self::Update | Self::Delete)
    }

    /// Whether the action carries a request body whose fields are checked against `write`.
    pub fn has_body(self) -> bool {
        matches!(self, Self::Create | Self::Update)
    }

    /// Whether the action names one row in its path (`/{id}`).
    pub fn has_id(self) -> bool {
        matches!(self, Self::Read | Self::Update | Self::Delete)
    }
}

keyword! {
    /// The type of a field: its storage, its JSON form and its built-in validation.
    FieldType, "a field type" {
        /// Short text, bounded by `max_len` (default `limits.max_len`).
        String = "string",
        /// Long text, bounded like `string`.
        Text = "text",
        /// 64-bit signed integer.
        Int = "int",
        /// 64-bit float (finite values only).
        Float = "float",
        /// `true` or `false`.
        Bool = "bool",
        /// RFC 9562 UUID.
        Uuid = "uuid",
        /// RFC 3339 date and time.
        Timestamp = "timestamp",
        /// `YYYY-MM-DD`.
        Date = "date",
        /// One of `values`.
        Enum = "enum",
        /// An e-mail address.
        Email = "email",
        /// An absolute `http`/`https` URL.
        Url = "url",
        /// Write-only secret, stored as an argon2id hash.
        Password = "password",
        /// The id of a row of another resource (`to:`), stored as a foreign key; writing it
        /// requires that row to be readable by the caller.
        Ref = "ref",
    }
}

impl FieldType {
    /// Whether values are text and take `min_len`/`max_len`.
    pub fn is_textual(self) -> bool {
        matches!(self, Self::String | Self::Text | Self::Email | Self::Url | Self::Password)
    }

    /// Whether values are numbers and take `min`/`max`.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Int | Self::Float)
    }

    /// Whether values have an order a list filter may compare with (`lt`, `lte`, `gt`, `gte`).
    pub fn is_ordered(self) -> bool {
        matches!(self, Self::Int | Self::Float | Self::Timestamp | Self::Date)
    }

    /// Whether the field takes a `pattern`.
    pub fn takes_pattern(self) -> bool {
        matches!(self, Self::String | Self::Text)
    }
}

keyword! {
    /// A value the server fills in; such a field is never writable by a client.
    ServerValue, "a server value" {
        /// The token subject (`sub`); the owner field carries it.
        Subject = "subject",
        /// The token's tenant claim; the tenant field carries it.
        Tenant = "tenant",
        /// The time of creation.
        Now = "now",
        /// A fresh UUID (v7).
        Uuid = "uuid",
        /// The id of the parent row the request's path names (a nested resource's key).
        Parent = "parent",
    }
}

impl ServerValue {
    /// The field types this server value can fill.
    pub fn fits(self, ty: FieldType) -> bool {
        match self {
            Self::Subject => ty == FieldType::String,
            Self::Tenant => matches!(ty, FieldType::String | FieldType::Uuid),
            Self::Now => matches!(ty, FieldType::Timestamp | FieldType::Date),
            Self::Uuid => ty == FieldType::Uuid,
            Self::Parent => ty == FieldType::Ref,
        }
    }
}

keyword! {
    /// A JWT signature algorithm. `none` is deliberately absent.
    Algorithm, "a supported JWT algorithm" {
        /// HMAC with SHA-256.
        Hs256 = "HS256",
        /// HMAC with SHA-384.
        Hs384 = "HS384",
        /// HMAC with SHA-512.
        Hs512 = "HS512",
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        Rs256 = "RS256",
        /// ECDSA P-256 with SHA-256.
        Es256 = "ES256",
        /// Ed25519.
        EdDsa = "EdDSA",
    }
}

impl Algorithm {
    /// Whether the algorithm uses a shared secret (HMAC) rather than a public key.
    pub fn is_hmac(self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs384 | Self::Hs512)
    }

    /// The shortest HMAC secret this algorithm accepts, in bytes: the size of its hash
    /// output (RFC 7518 §3.2). Zero for public-key algorithms.
    pub fn min_secret_bytes(self) -> usize {
        match self {
            Self::Hs256 => 32,
            Self::Hs384 => 48,
            Self::Hs512 => 64,
            Self::Rs256 | Self::Es256 | Self::EdDsa => 0,
        }
    }

    /// The key family: one verification key serves one family, so an allowlist mixes none.
    pub fn family(self) -> &'static str {
        match self {
            Self::Hs256 | Self::Hs384 | Self::Hs512 => "HMAC",
            Self::Rs256 => "RSA",
            Self::Es256 => "EC",
            Self::EdDsa => "EdDSA",
        }
    }
}

keyword! {
    /// What deleting a referenced row does to the rows that reference it.
    OnDelete, "an on_delete rule" {
        /// The delete is refused (409) while any row references it.
        Restrict = "restrict",
        /// The referencing rows are deleted with it.
        Cascade = "cascade",
    }
}

keyword! {
    /// The database a generated service stores its rows in.
    Database, "a supported database" {
        /// An embedded SQLite file (the default).
        Sqlite = "sqlite",
        /// A PostgreSQL server.
        Postgres = "postgres",
    }
}

keyword! {
    /// Where rate-limit state lives.
    Backend, "a rate-limit backend" {
        /// In process memory: one instance.
        Memory = "memory",
        /// In Redis: shared by every instance.
        Redis = "redis",
    }
}

keyword! {
    /// Which successful requests produce audit events (denials always do).
    AuditLevel, "an audit level" {
        /// Every write and every denial.
        Writes = "writes",
        /// Also every successful read and list.
        All = "all",
    }
}

keyword! {
    /// A role that is not declared but defined by securegen itself.
    PseudoRole, "a pseudo-role" {
        /// The caller's subject equals the row's owner field (or tenant, without owner).
        Owner = "owner",
        /// Any caller with a valid token.
        Authenticated = "authenticated",
        /// Any caller, even without a token.
        Anyone = "anyone",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(*a));
        }
        for t in FieldType::ALL {
            assert_eq!(t.as_str().parse::<FieldType>(), Ok(*t));
        }
        assert_eq!(
            "none".parse::<Algorithm>().map_err(|e| e.to_string()),
            Err("`none` is not a supported JWT algorithm".to_owned())
        );
    }

    #[test]
    fn server_values_fit_their_types() {
        assert!(ServerValue::Subject.fits(FieldType::String));
        assert!(!ServerValue::Subject.fits(FieldType::Int));
        assert!(ServerValue::Now.fits(FieldType::Date));
        assert!(!ServerValue::Uuid.fits(FieldType::String));
    }
}
