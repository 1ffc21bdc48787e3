//! The normalized model of a spec. Every default is resolved here (paths, table names,
//! inherited limits, string bounds), so no consumer ever re-derives one.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::vocab::{Action, Algorithm, AuditLevel, Database, FieldType, Keyword, OnDelete, PseudoRole, ServerValue};

/// A whole service: the validated, normalized form of `securegen.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// Name, version and database.
    pub service: Service,
    /// How bearer tokens are verified.
    pub auth: Auth,
    /// Declared roles, in spec order.
    pub roles: Vec<String>,
    /// CORS origin allowlist; empty means CORS is off.
    pub cors_origins: Vec<String>,
    /// The service-wide default limits (each resource holds its resolved copy).
    pub limits: Limits,
    /// The resources, in spec order.
    pub resources: Vec<Resource>,
}

impl Spec {
    /// The resource with this name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The service-wide part: everything but the resources.
    pub fn settings(&self) -> Settings {
        Settings {
            service: self.service.clone(),
            auth: self.auth.clone(),
            roles: self.roles.clone(),
            cors_origins: self.cors_origins.clone(),
            limits: self.limits.clone(),
        }
    }
}

/// What a service sets once for all its resources: its name and version, how tokens are
/// verified, the roles, CORS and the default limits. A generated service writes it out from
/// `securegen.yaml`; an app of annotated structs builds it with [`Settings::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Name, version and database.
    pub service: Service,
    /// How bearer tokens are verified.
    pub auth: Auth,
    /// Declared roles.
    pub roles: Vec<String>,
    /// CORS origin allowlist; empty means CORS is off.
    pub cors_origins: Vec<String>,
    /// The service-wide default limits.
    pub limits: Limits,
}

impl Settings {
    /// A service named `name` verifying tokens with `jwt`: API `v1`, SQLite, no CORS, the
    /// default limits.
    pub fn new(name: &str, jwt: Jwt) -> Self {
        Self {
            service: Service {
                name: name.to_owned(),
                api_version: "v1".to_owned(),
                base_path: "/api/v1".to_owned(),
                database: crate::vocab::Database::Sqlite,
                description: None,
            },
            auth: Auth { jwt },
            roles: Vec::new(),
            cors_origins: Vec::new(),
            limits: Limits::default(),
        }
    }
}

/// The service block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Crate and binary name.
    pub name: String,
    /// `v1`, `v2`, …
    pub api_version: String,
    /// `/api/{api_version}`: the prefix of every resource route.
    pub base_path: String,
    /// Where rows are stored.
    pub database: Database,
    /// Free text for the OpenAPI document.
    pub description: Option<String>,
}

/// Authentication settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auth {
    /// Bearer JWT verification.
    pub jwt: Jwt,
}

/// How JWTs are verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwt {
    /// Accepted algorithms; never empty, never `none`, never HMAC mixed with public-key.
    pub algorithms: Vec<Algorithm>,
    /// Where the verification key comes from.
    pub key: KeySource,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// Claim holding the caller's roles.
    pub roles_claim: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway: u32,
}

/// Variables every process has: a key read from one of them is not a secret. Matched
/// exactly: the checker warns about them and the runtime refuses them.
pub const COMMON_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "PWD",
    "OLDPWD",
    "LANG",
    "LANGUAGE",
    "TERM",
    "HOSTNAME",
    "TMPDIR",
    "TEMP",
    "TMP",
    "EDITOR",
    "VISUAL",
    "MAIL",
    "DISPLAY",
    "SHLVL",
    "TZ",
    "PAGER",
    "HOSTTYPE",
    "OSTYPE",
    "MACHTYPE",
    "LC_ALL",
    "LC_CTYPE",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "CI",
    "RUST_LOG",
    "DATABASE_URL",
    "BIND_ADDR",
];

impl Jwt {
    /// HS256 tokens signed with the secret in the variable `env`, any issuer, any audience
    /// (pin both with [`Jwt::issuer`] and [`Jwt::audience`]).
    pub fn hs256(env: &str) -> Self {
        Self {
            algorithms: vec![Algorithm::Hs256],
            key: KeySource::Secret(env.to_owned()),
            issuer: None,
            audience: None,
            roles_claim: "roles".to_owned(),
            leeway: 30,
        }
    }

    /// Requires `iss` to be `issuer`.
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_owned());
        self
    }

    /// Requires `aud` to be `audience`.
    #[must_use]
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = Some(audience.to_owned());
        self
    }
}

/// The environment variable that holds the verification key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "env", rename_all = "snake_case")]
pub enum KeySource {
    /// HMAC secret (at least 32 bytes).
    Secret(String),
    /// PEM-encoded public key.
    PublicKey(String),
}

impl KeySource {
    /// The name of the environment variable.
    pub fn env(&self) -> &str {
        match self {
            Self::Secret(env) | Self::PublicKey(env) => env,
        }
    }
}

/// A role as it appears in `access`, `read_roles` or `write_roles`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Role {
    /// `owner`, `authenticated` or `anyone`.
    Pseudo(PseudoRole),
    /// A role declared in `roles`.
    Named(String),
}

impl Role {
    /// Reads a role name: a pseudo-role spelling, or else a declared role.
    pub fn parse(s: &str) -> Self {
        PseudoRole::parse(s).map_or_else(|| Self::Named(s.to_owned()), Self::Pseudo)
    }

    /// The spelling of the role.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pseudo(p) => p.as_str(),
            Self::Named(n) => n,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Role {
    fn from(s: String) -> Self {
        Self::parse(&s)
    }
}

impl From<Role> for String {
    fn from(r: Role) -> Self {
        r.as_str().to_owned()
    }
}

/// Rows of a multi-tenant resource belong to the tenant named by a token claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The field holding the tenant (`server: tenant`).
    pub field: String,
    /// The token claim naming the caller's tenant.
    pub claim: String,
}

/// What a list may be narrowed and ordered by (`list:` of a resource): allowlists of fields.
/// A caller may use a field only where it may read it on the rows listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// `?field=v`, and for numbers, dates and timestamps `?field.gte=v` (`lt`, `lte`, `gt`);
    /// for enums `?field.in=a,b`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<String>,
    /// `?sort=field` or `?sort=-field`, ties broken by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<String>,
    /// `?q=text`: a case-insensitive substring of any of these text fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<String>,
}

impl ListQuery {
    /// Whether the list takes no query but `limit` and `cursor`.
    pub fn is_empty(&self) -> bool {
        self.filter.is_empty() && self.sort.is_empty() && self.search.is_empty()
    }
}

/// Longest `?q=` search, in characters.
pub const MAX_SEARCH_CHARS: usize = 64;
/// Most values of one `?field.in=` filter.
pub const MAX_IN_VALUES: usize = 20;

/// Most levels of parents above a nested resource: `/a/{a_id}/b/{b_id}/c/{c_id}/d`.
pub const MAX_DEPTH: usize = 3;

/// Most fields a resource may have: a caller's view is a bit mask of them.
pub const MAX_FIELDS: usize = 128;

/// The suffixes of the Rust types generated next to a resource's own (`OrderCreate`,
/// `OrderUpdate`): two resources must not produce the same name.
pub const COMPANION_SUFFIXES: &[&str] = &["Create", "Update"];

/// One resource: a table, a route prefix and its policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Singular name, e.g. `order`.
    pub name: String,
    /// Plural, e.g. `orders`.
    pub plural: String,
    /// Rust type name, e.g. `Order`.
    pub type_name: String,
    /// Route prefix, e.g. `/api/v1/orders`.
    pub path: String,
    /// Table name, e.g. `orders`.
    pub table: String,
    /// Free text for the OpenAPI document.
    pub description: Option<String>,
    /// Field whose value is the owning subject.
    pub owner: Option<String>,
    /// Multi-tenancy.
    pub tenant: Option<Tenant>,
    /// Name of the id field.
    pub id: String,
    /// Fields, in spec order.
    pub fields: Vec<Field>,
    /// Who may call each action; an absent action has no route.
    pub access: BTreeMap<Action, Vec<Role>>,
    /// Resolved limits.
    pub limits: Limits,
    /// Which successful requests are audited.
    pub audit: AuditLevel,
    /// Whether rows carry a version for `If-Match`.
    pub etag: bool,
    /// Whether responses carry `Deprecation`.
    pub deprecated: bool,
    /// `YYYY-MM-DD` for the `Sunset` header.
    pub sunset: Option<String>,
    /// The name the resource had before (`renamed_from:`): the migration renames the table
    /// and keeps its rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// What lists may be filtered, sorted and searched by.
    #[serde(default, skip_serializing_if = "ListQuery::is_empty")]
    pub list: ListQuery,
    /// The resource whose rows hold this one's (`parent:`): rows are reached only through a
    /// parent row the caller may read, at `{parent path}/{{parent field}}/{segment}`; the
    /// parent's id is in the field with `server: parent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl Resource {
    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether rows belong to someone (an owner subject or a tenant, here or — for a nested
    /// resource — through its parent).
    pub fn is_scoped(&self) -> bool {
        self.owner.is_some() || self.tenant.is_some() || self.parent.is_some()
    }

    /// The resources above this one, nearest first, as `lookup` finds them (at most
    /// [`MAX_DEPTH`] + 1, so a cycle cannot loop).
    pub fn ancestors<'a>(&self, lookup: impl Fn(&str) -> Option<&'a Resource>) -> Vec<&'a Resource> {
        let mut out: Vec<&'a Resource> = Vec::new();
        let mut next = self.parent.as_deref();
        while let Some(name) = next {
            let Some(p) = lookup(name) else { break };
            if out.len() > MAX_DEPTH {
                break;
            }
            out.push(p);
            next = p.parent.as_deref();
        }
        out
    }

    /// The field holding the parent row's id, for a nested resource.
    pub fn parent_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.server == Some(ServerValue::Parent))
    }
}

/// A number bound or default: integers stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Number {
    /// The value as a float, for comparisons.
    pub fn as_f64(self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// A default value, already checked against the field's type and constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    /// For `bool`.
    Bool(bool),
    /// For `int` and `float`.
    Number(Number),
    /// For every textual type, `enum`, `uuid`, `date` and `timestamp`.
    Text(String),
}

/// One field of a resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Column and JSON name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Whether this is the id (server-generated UUID).
    pub primary: bool,
    /// Whether the value may be absent or null.
    pub optional: bool,
    /// Value used when `create` omits the field.
    pub default: Option<Literal>,
    /// Inclusive lower bound (numbers).
    pub min: Option<Number>,
    /// Inclusive upper bound (numbers).
    pub max: Option<Number>,
    /// Minimum length in characters (text).
    pub min_len: Option<u32>,
    /// Maximum length in characters; always set for textual types.
    pub max_len: Option<u32>,
    /// Regular expression the value must match.
    pub pattern: Option<String>,
    /// Allowed values (`enum`).
    pub values: Vec<String>,
    /// Actions that may set the field (`create`, `update`).
    pub write: Vec<Action>,
    /// Roles allowed to set it; `None` means whoever may call the action.
    pub write_roles: Option<Vec<Role>>,
    /// Roles that see it; `None` means whoever may read the row.
    pub read_roles: Option<Vec<Role>>,
    /// Never in any response, error or log line.
    pub redact: bool,
    /// Filled by the server.
    pub server: Option<ServerValue>,
    /// Free text.
    pub description: Option<String>,
    /// The name the field had before (`renamed_from:`): the migration renames the column
    /// and keeps its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// For a `ref`: the resource it points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
}

/// Where a `ref` field points, and what deleting the row it points at does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The referenced resource.
    pub to: String,
    /// Its table (resolved by the checker).
    pub table: String,
    /// Its id column (resolved by the checker).
    pub column: String,
    /// What deleting the referenced row does: refused (the default) or cascaded.
    pub on_delete: OnDelete,
}

impl Field {
    /// A required field `name` of type `ty` with no constraint, no default, written by no
    /// one and read by whoever reads the row.
    pub fn new(name: &str, ty: FieldType) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            primary: false,
            optional: false,
            default: None,
            min: None,
            max: None,
            min_len: None,
            max_len: None,
            pattern: None,
            values: Vec::new(),
            write: Vec::new(),
            write_roles: None,
            read_roles: None,
            redact: false,
            server: None,
            description: None,
            renamed_from: None,
            reference: None,
        }
    }

    /// Whether the field ever appears in a response (not redacted, not a password).
    pub fn is_readable(&self) -> bool {
        !self.redact && self.ty != FieldType::Password
    }

    /// Whether a client may ever send this field in `action`.
    pub fn is_writable_in(&self, action: Action) -> bool {
        self.write.contains(&action)
    }
}
