//! The spec exactly as written in YAML. Each struct is declared once, through [`raw!`], which
//! yields the struct (and its JSON Schema, through schemars), the list of its keys, and its
//! decoder; so the schema, the unknown-key check and the decoder cannot drift apart.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde_yaml::Value;

use crate::decode::{Decode, Decoder};
use crate::diag::KeyPath;
use crate::model::Number;
use crate::vocab::{Action, AuditLevel, Backend, Database, FieldType, OnDelete, ServerValue};

/// Declares a YAML object: its struct (every key optional in memory, so that decoding can go
/// on after an error), its `KEYS`, and its [`Decode`] impl. `= required` marks a key the
/// decoder reports when absent and the schema lists under `required`.
macro_rules! raw {
    ($(#[$smeta:meta])* struct $name:ident {
        $($(#[$fmeta:meta])* $key:literal $field:ident : $ty:ty $(= $req:ident)?,)+
    }) => {
        $(#[$smeta])*
        #[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
        #[schemars(deny_unknown_fields)]
        pub(crate) struct $name {
            $(
                $(#[$fmeta])*
                #[schemars(rename = $key)]
                $(#[schemars($req)])?
                pub(crate) $field: Option<$ty>,
            )+
        }

        impl $name {
            /// Every key this object may hold.
            pub(crate) const KEYS: &'static [&'static str] = &[$($key),+];
        }

        impl Decode for $name {
            fn expected() -> String {
                "a map".to_owned()
            }

            fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
                let obj = d.object(value, at, Self::KEYS)?;
                Some(Self { $($field: obj.take(d, $key, raw!(@required $($req)?)),)+ })
            }
        }
    };
    (@required required) => { true };
    (@required) => { false };
}

raw! {
    /// A securegen spec: one service and its resources.
    struct RawSpec {
        /// The service: name, API version, database.
        "service" service: RawService = required,
        /// How bearer tokens are verified.
        "auth" auth: RawAuth = required,
        /// Roles that tokens may carry (`owner`, `authenticated` and `anyone` are built in).
        "roles" roles: Vec<String>,
        /// Cross-origin requests; absent means CORS is off.
        "cors" cors: RawCors,
        /// Defaults inherited by every resource.
        "defaults" defaults: RawDefaults,
        /// The resources, by singular snake_case name.
        "resources" resources: IndexMap<String, RawResource> = required,
    }
}

raw! {
    /// The service block.
    struct RawService {
        /// Crate and binary name: `^[a-z][a-z0-9_-]*$`.
        #[schemars(regex(pattern = r"^[a-z][a-z0-9_-]*$"))]
        "name" name: String = required,
        /// Routes live under `/api/{api_version}` (default `v1`).
        #[schemars(regex(pattern = r"^v[0-9]+$"))]
        "api_version" api_version: String,
        /// Where rows are stored (default `sqlite`).
        "database" database: Database,
        /// Free text for the OpenAPI document.
        "description" description: String,
    }
}

raw! {
    /// Authentication.
    struct RawAuth {
        /// Bearer JWT verification.
        "jwt" jwt: RawJwt = required,
    }
}

raw! {
    /// Bearer JWT verification.
    struct RawJwt {
        /// Accepted algorithms (an allowlist; `none` is never accepted).
        "algorithms" algorithms: Vec<String> = required,
        /// Environment variable holding the HMAC secret (required for HS*).
        #[schemars(regex(pattern = r"^[A-Z][A-Z0-9_]*$"))]
        "secret_env" secret_env: String,
        /// Environment variable holding a PEM public key (required for RS256, ES256, EdDSA).
        #[schemars(regex(pattern = r"^[A-Z][A-Z0-9_]*$"))]
        "public_key_env" public_key_env: String,
        /// Required `iss` claim.
        "issuer" issuer: String,
        /// Required `aud` claim.
        "audience" audience: String,
        /// Claim holding the caller's roles (default `roles`).
        "roles_claim" roles_claim: String,
        /// Clock skew allowed on `exp`/`nbf`, in seconds (default 30, at most 300).
        #[schemars(range(min = 0, max = 300))]
        "leeway" leeway: u32,
    }
}

raw! {
    /// Cross-origin resource sharing.
    struct RawCors {
        /// Exact origins allowed, e.g. `https://app.example.com`; `*` is refused.
        "origins" origins: Vec<String> = required,
    }
}

raw! {
    /// Service-wide defaults.
    struct RawDefaults {
        /// Limits inherited by every resource.
        "limits" limits: RawLimits,
    }
}

raw! {
    /// Request limits.
    struct RawLimits {
        /// Requests per principal: `N/second`, `N/minute` or `N/hour`.
        #[schemars(regex(pattern = r"^[1-9][0-9]*/(second|minute|hour)$"))]
        "rate" rate: String,
        /// Largest request body: `N`, `NB`, `NKiB` or `NMiB` (at most 16MiB).
        #[schemars(regex(pattern = r"^[1-9][0-9]*(B|KiB|MiB)?$"))]
        "body" body: String,
        /// Page size when `?limit` is absent.
        #[schemars(range(min = 1))]
        "page_default" page_default: u32,
        /// `?limit` is clamped to this.
        #[schemars(range(min = 1))]
        "page_max" page_max: u32,
        /// Bound of every string field that sets no `max_len`.
        #[schemars(range(min = 1))]
        "max_len" max_len: u32,
        /// Where rate-limit state lives (`defaults.limits` only).
        "backend" backend: Backend,
    }
}

raw! {
    /// One resource.
    struct RawResource {
        /// The fields, by name, in order.
        "fields" fields: IndexMap<String, RawField> = required,
        /// Action → roles allowed; an action not listed has no route. (Required: its absence
        /// is reported by validation as `no-access`.)
        #[schemars(required)]
        "access" access: RawAccess,
        /// A `string` field with `server: subject`: rows belong to the token subject.
        "owner" owner: String,
        /// Multi-tenancy: rows belong to the tenant named by a token claim.
        "tenant" tenant: RawTenant,
        /// Limits overriding `defaults.limits`.
        "limits" limits: RawLimits,
        /// Path segment and table name (default: the English plural of the name).
        #[schemars(regex(pattern = r"^[a-z][a-z0-9_]*$"))]
        "plural" plural: String,
        /// Which successful requests are audited (default `writes`; denials always are).
        "audit" audit: AuditLevel,
        /// Rows carry a version; `PATCH` then requires `If-Match`.
        "etag" etag: bool,
        /// Responses carry a `Deprecation` header.
        "deprecated" deprecated: bool,
        /// `YYYY-MM-DD`: responses carry a `Sunset` header (needs `deprecated: true`).
        #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        "sunset" sunset: String,
        /// Free text for the OpenAPI document.
        "description" description: String,
        /// The resource's name before a rename: the next migration renames its table and
        /// keeps its rows.
        #[schemars(regex(pattern = r"^[a-z][a-z0-9_]*$"))]
        "renamed_from" renamed_from: String,
        /// What lists may be filtered, sorted and searched by (allowlists of fields).
        "list" list: RawList,
        /// The resource whose rows hold these: served at
        /// `/{parents}/{parent_id}/{children}`, reachable only through a parent row the
        /// caller may read; `owner` means the parent's owner.
        #[schemars(regex(pattern = r"^[a-z][a-z0-9_]*$"))]
        "parent" parent: String,
        /// What deleting a parent row does to its rows here: refused (`restrict`, the
        /// default: 409) or `cascade`.
        "on_parent_delete" on_parent_delete: OnDelete,
    }
}

raw! {
    /// What a list may be narrowed and ordered by.
    struct RawList {
        /// Fields a list may be filtered by: `?status=pending`, `?created_at.gte=…`,
        /// `?status.in=a,b`.
        "filter" filter: Vec<String>,
        /// Required fields a list may be sorted by: `?sort=-created_at` (ties broken by id).
        "sort" sort: Vec<String>,
        /// Text fields `?q=` searches (case-insensitive substring).
        "search" search: Vec<String>,
    }
}

raw! {
    /// Multi-tenancy.
    struct RawTenant {
        /// The field holding the tenant; it needs `server: tenant`.
        "field" field: String = required,
        /// The token claim naming the caller's tenant.
        "claim" claim: String = required,
    }
}

raw! {
    /// Who may call each action: declared roles or `owner`, `authenticated`, `anyone`.
    struct RawAccess {
        /// `POST` a new row.
        "create" create: Vec<String>,
        /// `GET` one row.
        "read" read: Vec<String>,
        /// `GET` a page of rows.
        "list" list: Vec<String>,
        /// `PATCH` a row.
        "update" update: Vec<String>,
        /// `DELETE` a row.
        "delete" delete: Vec<String>,
    }
}

impl RawAccess {
    /// The granted actions with their role lists, in action order.
    pub(crate) fn grants(&self) -> impl Iterator<Item = (Action, &Vec<String>)> {
        [
            (Action::Create, &self.create),
            (Action::Read, &self.read),
            (Action::List, &self.list),
            (Action::Update, &self.update),
            (Action::Delete, &self.delete),
        ]
        .into_iter()
        .filter_map(|(a, roles)| roles.as_ref().map(|r| (a, r)))
    }
}

raw! {
    /// One field.
    struct RawField {
        /// The field's type.
        "type" ty: FieldType = required,
        /// Marks the id field (a `uuid`); without it, the field named `id` is the id.
        "primary" primary: bool,
        /// The value may be absent or null.
        "optional" optional: bool,
        /// Value used when `create` omits the field.
        #[schemars(with = "Option<serde_json::Value>")]
        "default" default: Value,
        /// Inclusive lower bound (`int`, `float`).
        "min" min: Number,
        /// Inclusive upper bound (`int`, `float`).
        "max" max: Number,
        /// Minimum length in characters.
        "min_len" min_len: u32,
        /// Maximum length in characters (default `limits.max_len`).
        #[schemars(range(min = 1))]
        "max_len" max_len: u32,
        /// Regular expression the value must match (`string`, `text`).
        "pattern" pattern: String,
        /// Allowed values (`enum`).
        "values" values: Vec<String>,
        /// Actions that may set the field.
        "write" write: Vec<Action>,
        /// Roles allowed to set it.
        "write_roles" write_roles: Vec<String>,
        /// Roles that see it in responses.
        "read_roles" read_roles: Vec<String>,
        /// Never in any response, error or log line.
        "redact" redact: bool,
        /// The server fills the field.
        "server" server: ServerValue,
        /// Free text.
        "description" description: String,
        /// The field's name before a rename: the next migration renames its column and keeps
        /// its values.
        #[schemars(regex(pattern = r"^[a-z][a-z0-9_]*$"))]
        "renamed_from" renamed_from: String,
        /// For a `ref`: the resource it points at.
        #[schemars(regex(pattern = r"^[a-z][a-z0-9_]*$"))]
        "to" to: String,
        /// For a `ref`: what deleting the referenced row does (`restrict`, the default, or
        /// `cascade`).
        "on_delete" on_delete: OnDelete,
    }
}
