//! Semantic validation and normalization: raw structs in, the [`Spec`] model out. Every rule
//! of the format is checked here, every problem is reported (none stops the others), and
//! every default is resolved, so consumers never re-derive one.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use heck::ToUpperCamelCase;
use regex::Regex;
use serde_yaml::Value;

use crate::diag::{Code, KeyPath, Sink};
use crate::limits::{ByteSize, Limits, Rate, parse_date};
use crate::model::{Auth, Field, Jwt, KeySource, Literal, Number, Resource, Role, Service, Spec, Tenant};
use crate::plural::plural;
use crate::raw::{RawAccess, RawField, RawJwt, RawLimits, RawResource, RawSpec};
use crate::suggest;
use crate::vocab::{Action, Algorithm, AuditLevel, Database, FieldType, Keyword, PseudoRole, ServerValue};

/// Longest service name (it becomes a crate name).
const MAX_NAME: usize = 64;
/// Longest leeway accepted, in seconds.
const MAX_LEEWAY: u32 = 300;
/// Longest regular expression accepted after compilation, in bytes.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

fn ident_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[a-z][a-z0-9_]*$").unwrap_or_else(|_| unreachable!("a literal pattern")))
}

/// Whether `s` is a safe identifier: `^[a-z][a-z0-9_]*$`.
pub fn is_ident(s: &str) -> bool {
    ident_re().is_match(s)
}

/// "an `int`", "a `string`".
fn a_ty(ty: FieldType) -> String {
    let article = if matches!(ty, FieldType::Int | FieldType::Enum | FieldType::Email) { "an" } else { "a" };
    format!("{article} `{ty}`")
}

fn ident_hint(s: &str) -> String {
    let fixed = heck::ToSnakeCase::to_snake_case(s);
    if is_ident(&fixed) {
        format!("write `{fixed}`: lowercase letters, digits and `_`, starting with a letter")
    } else {
        "use lowercase letters, digits and `_`, starting with a letter".to_owned()
    }
}

pub(crate) struct Validator<'a> {
    sink: &'a mut Sink,
    poisoned: &'a BTreeSet<KeyPath>,
    roles: Vec<String>,
    /// Whether `roles` failed to decode: unknown-role checks would only add noise.
    roles_unknown: bool,
    /// Compiled patterns by their text.
    patterns: HashMap<String, Result<Regex, regex::Error>>,
}

impl<'a> Validator<'a> {
    pub(crate) fn new(sink: &'a mut Sink, poisoned: &'a BTreeSet<KeyPath>) -> Self {
        Self { sink, poisoned, roles: Vec::new(), roles_unknown: false, patterns: HashMap::new() }
    }

    /// Compiles a pattern once per distinct text (specs repeat their patterns).
    fn compile(&mut self, pattern: &str) -> Result<Regex, regex::Error> {
        if let Some(done) = self.patterns.get(pattern) {
            return done.clone();
        }
        let built = regex::RegexBuilder::new(pattern).size_limit(PATTERN_SIZE_LIMIT).build();
        self.patterns.insert(pattern.to_owned(), built.clone());
        built
    }

    fn poisoned(&self, path: &KeyPath) -> bool {
        let mut p = Some(path.clone());
        while let Some(cur) = p {
            if self.poisoned.contains(&cur) {
                return true;
            }
            p = cur.parent();
        }
        false
    }

    /// Validates the whole spec; the model comes back only when there is no error.
    pub(crate) fn spec(mut self, raw: &RawSpec) -> Option<Spec> {
        let root = KeyPath::root();
        let service = raw.service.as_ref().and_then(|s| self.service(s, &root.key("service")));
        let raw_roles = raw.roles.as_deref().unwrap_or_default();
        let roles = self.declared_roles(raw_roles, &root.key("roles"));
        // References are checked against every name written in `roles`, so that a badly
        // spelt declaration is reported once, not again at each use.
        self.roles = raw_roles.iter().filter(|r| PseudoRole::parse(r).is_none()).cloned().collect();
        self.roles_unknown = self.poisoned(&root.key("roles"));
        let jwt =
            raw.auth.as_ref().and_then(|a| a.jwt.as_ref()).and_then(|j| self.jwt(j, &root.key("auth").key("jwt")));
        let cors_origins = raw
            .cors
            .as_ref()
            .map(|c| self.cors(c.origins.as_deref().unwrap_or_default(), &root.key("cors").key("origins")))
            .unwrap_or_default();
        let defaults_path = root.key("defaults").key("limits");
        let default_limits = raw.defaults.as_ref().and_then(|d| d.limits.as_ref());
        let limits = self.limits(&Limits::default(), default_limits, &defaults_path, true);
        let base_path = service.as_ref().map(|s: &Service| s.base_path.clone()).unwrap_or_default();

        let mut resources = Vec::new();
        let res_path = root.key("resources");
        match &raw.resources {
            Some(map) if map.is_empty() => {
                self.sink
                    .error(Code::MissingKey, &res_path, "`resources` is empty")
                    .hint("add a resource, e.g. `order: { fields: …, access: … }`");
            }
            Some(map) => {
                for (name, r) in map {
                    if let Some(res) = self.resource(name, r, &res_path.key(name), &limits, &base_path) {
                        resources.push(res);
                    }
                }
            }
            None => {}
        }
        self.name_clashes(&resources, &res_path);

        if self.sink.has_errors() {
            return None;
        }
        let (service, jwt) = (service?, jwt?);
        Some(Spec { service, auth: Auth { jwt }, roles, cors_origins, limits, resources })
    }

    fn service(&mut self, s: &crate::raw::RawService, at: &KeyPath) -> Option<Service> {
        let name = s.name.clone()?;
        let name_ok = Regex::new(r"^[a-z][a-z0-9_-]*$").is_ok_and(|re| re.is_match(&name));
        if !name_ok || name.len() > MAX_NAME {
            self.sink.error(Code::BadIdentifier, &at.key("name"), format!("`{name}` is not a valid service name")).hint("it becomes a crate name: lowercase letters, digits, `_` and `-`, starting with a letter, at most 64 characters");
        }
        let api_version = s.api_version.clone().unwrap_or_else(|| "v1".to_owned());
        let version_ok = api_version.len() > 1
            && api_version.starts_with('v')
            && api_version[1..].bytes().all(|b| b.is_ascii_digit());
        if !version_ok {
            self.sink
                .error(Code::BadFormat, &at.key("api_version"), format!("`{api_version}` is not an API version"))
                .hint("write `v` and a number, e.g. `v1`");
        }
        Some(Service {
            name,
            base_path: format!("/api/{api_version}"),
            api_version,
            database: s.database.unwrap_or(Database::Sqlite),
            description: s.description.clone(),
        })
    }

    fn declared_roles(&mut self, roles: &[String], at: &KeyPath) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, role) in roles.iter().enumerate() {
            let p = at.index(i);
            if let Some(pseudo) = PseudoRole::parse(role) {
                self.sink
                    .error(
                        Code::ReservedRole,
                        &p,
                        format!("`{pseudo}` is a built-in pseudo-role and cannot be declared"),
                    )
                    .hint("remove it from `roles`; use it directly in `access`");
            } else if !is_ident(role) {
                self.sink
                    .error(Code::BadIdentifier, &p, format!("`{role}` is not a valid role name"))
                    .hint(ident_hint(role));
            } else if !seen.insert(role.as_str()) {
                self.sink
                    .error(Code::Duplicate, &p, format!("role `{role}` is declared twice"))
                    .hint("remove the second one");
            } else {
                out.push(role.clone());
            }
        }
        out
    }

    fn jwt(&mut self, j: &RawJwt, at: &KeyPath) -> Option<Jwt> {
        let algs_path = at.key("algorithms");
        let mut algorithms: Vec<Algorithm> = Vec::new();
        for (i, name) in j.algorithms.iter().flatten().enumerate() {
            let p = algs_path.index(i);
            if name.eq_ignore_ascii_case("none") {
                self.sink
                    .error(Code::AlgorithmNone, &p, "`none` accepts unsigned tokens, so anyone could forge one")
                    .hint(format!("use a signing algorithm: {}", suggest::list(&Algorithm::spellings())));
            } else if let Some(a) = Algorithm::parse(name) {
                if algorithms.contains(&a) {
                    self.sink
                        .error(Code::Duplicate, &p, format!("`{a}` is listed twice"))
                        .hint("remove the second one");
                } else {
                    algorithms.push(a);
                }
            } else {
                self.sink
                    .error(Code::UnknownValue, &p, format!("`{name}` is not a supported JWT algorithm"))
                    .hint(suggest::hint(name, &Algorithm::spellings()));
            }
        }
        if j.algorithms.as_ref().is_some_and(Vec::is_empty) {
            self.sink
                .error(Code::Range, &algs_path, "the algorithm allowlist is empty, so no token could ever be accepted")
                .hint("list at least one, e.g. `[HS256]`");
        }
        let hmac = algorithms.iter().any(|a| a.is_hmac());
        let public = algorithms.iter().any(|a| !a.is_hmac());
        if hmac && public {
            self.sink.error(Code::MixedAlgorithms, &algs_path, "HMAC and public-key algorithms are mixed, which opens key-confusion attacks (a public key used as an HMAC secret)").hint("keep only `HS*` with `secret_env`, or only public-key algorithms with `public_key_env`");
        }
        for key in ["secret_env", "public_key_env"] {
            let value = if key == "secret_env" { &j.secret_env } else { &j.public_key_env };
            if let Some(env) = value {
                let ok = env.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && env.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !ok {
                    self.sink
                        .error(Code::BadFormat, &at.key(key), format!("`{env}` is not an environment variable name"))
                        .hint(format!(
                            "write it in upper case, e.g. `{}`",
                            heck::ToShoutySnakeCase::to_shouty_snake_case(env.as_str())
                        ));
                }
            }
        }
        let typo = self.poisoned(&at.key("secret_env")) || self.poisoned(&at.key("public_key_env"));
        let key = match (hmac && !public, public && !hmac, &j.secret_env, &j.public_key_env) {
            _ if typo => None,
            (true, _, Some(s), None) => Some(KeySource::Secret(s.clone())),
            (_, true, None, Some(p)) => Some(KeySource::PublicKey(p.clone())),
            (true, _, None, _) => {
                self.sink
                    .error_at_key(
                        Code::KeySource,
                        at,
                        "HMAC algorithms need `secret_env`: the variable that holds the shared secret",
                    )
                    .hint("add `secret_env: MY_SERVICE_JWT_SECRET` (at least 32 bytes, checked at start)");
                None
            }
            (true, _, Some(_), Some(_)) => {
                self.sink
                    .error_at_key(
                        Code::KeySource,
                        &at.key("public_key_env"),
                        "`public_key_env` is set but every algorithm is HMAC",
                    )
                    .hint("remove `public_key_env`");
                None
            }
            (_, true, _, None) => {
                self.sink
                    .error_at_key(
                        Code::KeySource,
                        at,
                        "public-key algorithms need `public_key_env`: the variable that holds the PEM public key",
                    )
                    .hint("add `public_key_env: MY_SERVICE_JWT_PUBLIC_KEY`");
                None
            }
            (_, true, Some(_), Some(_)) => {
                self.sink.error_at_key(Code::KeySource, &at.key("secret_env"), "`secret_env` is set but no algorithm is HMAC; a shared secret next to a public key invites key confusion").hint("remove `secret_env`");
                None
            }
            _ => None,
        };
        for key in ["issuer", "audience", "roles_claim"] {
            let value = match key {
                "issuer" => &j.issuer,
                "audience" => &j.audience,
                _ => &j.roles_claim,
            };
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                self.sink
                    .error(Code::BadFormat, &at.key(key), format!("`{key}` is empty"))
                    .hint(format!("give a value or remove `{key}`"));
            }
        }
        let leeway = j.leeway.unwrap_or(30);
        if leeway > MAX_LEEWAY {
            self.sink
                .error(
                    Code::Range,
                    &at.key("leeway"),
                    format!("a leeway of {leeway} seconds keeps expired tokens alive too long"),
                )
                .hint(format!("use at most {MAX_LEEWAY} seconds; 30 is plenty for clock skew"));
        } else if leeway > 60 {
            self.sink
                .warn(
                    Code::LongLeeway,
                    &at.key("leeway"),
                    format!("a leeway of {leeway} seconds accepts tokens that long after they expire"),
                )
                .hint("30 seconds covers ordinary clock skew");
        }
        if j.issuer.is_none() {
            self.sink
                .warn(Code::NoIssuer, &at.key("algorithms"), "tokens from any issuer are accepted")
                .hint("set `issuer:` so that only your identity provider's tokens pass");
        }
        if j.audience.is_none() {
            self.sink
                .warn(Code::NoAudience, &at.key("algorithms"), "tokens minted for any audience are accepted")
                .hint("set `audience:` so that tokens for other services are refused");
        }
        Some(Jwt {
            algorithms,
            key: key?,
            issuer: j.issuer.clone(),
            audience: j.audience.clone(),
            roles_claim: j.roles_claim.clone().unwrap_or_else(|| "roles".to_owned()),
            leeway,
        })
    }

    fn cors(&mut self, origins: &[String], at: &KeyPath) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, origin) in origins.iter().enumerate() {
            let p = at.index(i);
            if origin.contains('*') {
                self.sink
                    .error(
                        Code::CorsWildcard,
                        &p,
                        "a wildcard origin lets every web page call the API with its users' credentials",
                    )
                    .hint("list each allowed origin exactly, e.g. `https://app.example.com`");
                continue;
            }
            let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            let ok = rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', ' ', '?', '#']));
            if !ok {
                self.sink.error(Code::BadFormat, &p, format!("`{origin}` is not an origin")).hint(
                    "an origin is a scheme and a host, with no path or trailing slash: `https://app.example.com`",
                );
            } else if out.contains(origin) {
                self.sink
                    .error(Code::Duplicate, &p, format!("origin `{origin}` is listed twice"))
                    .hint("remove the second one");
            } else {
                out.push(origin.clone());
            }
        }
        out
    }

    /// Resolves limits over `base`, key by key.
    fn limits(&mut self, base: &Limits, raw: Option<&RawLimits>, at: &KeyPath, service_wide: bool) -> Limits {
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
        for (key, value, slot) in [
            ("page_default", raw.page_default, &mut l.page_default),
            ("page_max", raw.page_max, &mut l.page_max),
            ("max_len", raw.max_len, &mut l.max_len),
        ] {
            match value {
                Some(0) => {
                    self.sink
                        .error(Code::Range, &at.key(key), format!("`{key}` must be at least 1"))
                        .hint(format!("the default is {}", slot));
                }
                Some(v) => *slot = v,
                None => {}
            }
        }
        if let Some(b) = raw.backend {
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
        l
    }

    fn resource(
        &mut self,
        name: &str,
        r: &RawResource,
        at: &KeyPath,
        defaults: &Limits,
        base_path: &str,
    ) -> Option<Resource> {
        if !is_ident(name) {
            self.sink
                .error_at_key(Code::BadIdentifier, at, format!("`{name}` is not a valid resource name"))
                .hint(ident_hint(name));
        }
        let plural = match &r.plural {
            Some(p) if !is_ident(p) => {
                self.sink
                    .error(Code::BadIdentifier, &at.key("plural"), format!("`{p}` is not a valid plural"))
                    .hint(ident_hint(p));
                p.clone()
            }
            Some(p) => p.clone(),
            None => plural(name),
        };
        let limits = self.limits(defaults, r.limits.as_ref(), &at.key("limits"), false);
        let fields_path = at.key("fields");
        let raw_fields = r.fields.as_ref();
        let field_names: Vec<&str> = raw_fields.map(|f| f.keys().map(String::as_str).collect()).unwrap_or_default();

        let owner = self.owner(r, raw_fields, &field_names, at);
        let tenant = self.tenant(r, raw_fields, &field_names, at);
        // A declared owner or tenant scopes the rows even when it names a bad field: that
        // error is reported once, above, rather than again at every `owner` grant.
        let scoped = owner.is_some() || tenant.is_some() || r.owner.is_some() || r.tenant.is_some();
        let access = match &r.access {
            Some(a) => self.access(a, &at.key("access"), scoped, r.tenant.is_some()),
            None => {
                if !self.poisoned(&at.key("access")) {
                    self.sink
                        .error_at_key(
                            Code::NoAccess,
                            at,
                            format!("`{name}` has no `access`, so it would have no routes"),
                        )
                        .hint("add `access:` with at least one action, e.g. `read: [authenticated]`");
                }
                BTreeMap::new()
            }
        };

        let mut fields = Vec::new();
        if let Some(raw_fields) = raw_fields {
            if raw_fields.is_empty() {
                self.sink
                    .error(Code::IdField, &fields_path, "a resource needs fields, at least its id")
                    .hint("add `id: { type: uuid }`");
            }
            let ctx = FieldCtx {
                scoped,
                tenant: r.tenant.is_some(),
                creatable: access.contains_key(&Action::Create),
                limits: &limits,
            };
            for (fname, f) in raw_fields {
                if let Some(field) = self.field(fname, f, &fields_path.key(fname), &ctx) {
                    fields.push(field);
                }
            }
        }
        let id = self.id_field(raw_fields, &fields_path);
        let audit = r.audit.unwrap_or(AuditLevel::Writes);
        let deprecated = r.deprecated.unwrap_or(false);
        if let Some(s) = &r.sunset {
            if let Err(e) = parse_date(s) {
                self.sink.error(Code::BadFormat, &at.key("sunset"), e.message).hint(e.hint);
            } else if !deprecated {
                self.sink
                    .error(
                        Code::SunsetWithoutDeprecated,
                        &at.key("sunset"),
                        "a sunset date announces removal, but the resource is not deprecated",
                    )
                    .hint("add `deprecated: true`");
            }
        }
        if !self.poisoned(&fields_path)
            && r.fields.is_some()
            && let Some(id) = &id
            && let Some(f) = fields.iter_mut().find(|f| &f.name == id)
        {
            f.primary = true;
        }
        Some(Resource {
            type_name: name.to_upper_camel_case(),
            path: format!("{base_path}/{plural}"),
            table: plural.clone(),
            plural,
            name: name.to_owned(),
            description: r.description.clone(),
            owner,
            tenant,
            id: id?,
            fields,
            access,
            limits,
            audit,
            etag: r.etag.unwrap_or(false),
            deprecated,
            sunset: r.sunset.clone(),
        })
    }

    fn owner(
        &mut self,
        r: &RawResource,
        fields: Option<&indexmap::IndexMap<String, RawField>>,
        names: &[&str],
        at: &KeyPath,
    ) -> Option<String> {
        let owner = r.owner.as_ref()?;
        let p = at.key("owner");
        let fields = fields?;
        let Some(f) = fields.get(owner) else {
            self.sink.error(Code::OwnerField, &p, format!("`owner` names `{owner}`, which is not a field")).hint(
                match suggest::closest(owner, names.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("add `{owner}: {{ type: string, server: subject }}` to `fields`"),
                },
            );
            return None;
        };
        let fp = at.key("fields").key(owner);
        if f.ty.is_some_and(|t| t != FieldType::String) {
            self.sink
                .error(
                    Code::OwnerField,
                    &fp.key("type"),
                    format!("the owner field `{owner}` must be a `string`: it holds the token subject"),
                )
                .hint("write `type: string`");
        } else if f.server != Some(ServerValue::Subject) && !self.poisoned(&fp.key("server")) {
            self.sink.error_at_key(Code::OwnerField, &fp, format!("the owner field `{owner}` must have `server: subject`, or clients could claim rows for someone else")).hint("add `server: subject`");
        }
        Some(owner.clone())
    }

    fn tenant(
        &mut self,
        r: &RawResource,
        fields: Option<&indexmap::IndexMap<String, RawField>>,
        names: &[&str],
        at: &KeyPath,
    ) -> Option<Tenant> {
        let t = r.tenant.as_ref()?;
        let (field, claim) = (t.field.as_ref()?, t.claim.as_ref()?);
        let p = at.key("tenant");
        if claim.is_empty() || claim.chars().any(char::is_whitespace) {
            self.sink
                .error(Code::BadFormat, &p.key("claim"), format!("`{claim}` is not a claim name"))
                .hint("name the token claim holding the tenant, e.g. `org`");
        }
        let fields = fields?;
        match fields.get(field) {
            None => {
                self.sink
                    .error(
                        Code::TenantField,
                        &p.key("field"),
                        format!("`tenant.field` names `{field}`, which is not a field"),
                    )
                    .hint(match suggest::closest(field, names.iter().copied()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!("add `{field}: {{ type: string, server: tenant }}` to `fields`"),
                    });
                return None;
            }
            Some(f) if f.server != Some(ServerValue::Tenant) && !self.poisoned(&at.key("fields").key(field)) => {
                self.sink.error_at_key(Code::TenantField, &at.key("fields").key(field), format!("the tenant field `{field}` must have `server: tenant`, or clients could write rows into other tenants")).hint("add `server: tenant`");
            }
            Some(_) => {}
        }
        Some(Tenant { field: field.clone(), claim: claim.clone() })
    }

    fn access(&mut self, a: &RawAccess, at: &KeyPath, scoped: bool, tenant: bool) -> BTreeMap<Action, Vec<Role>> {
        let mut out = BTreeMap::new();
        if a.grants().next().is_none() && !self.poisoned(at) {
            self.sink
                .error(Code::NoAccess, at, "no action is granted, so the resource would have no routes")
                .hint("grant at least one action, e.g. `read: [authenticated]`");
        }
        for (action, roles) in a.grants() {
            let p = at.key(action.as_str());
            if roles.is_empty() {
                self.sink
                    .error(Code::EmptyGrant, &p, format!("`{action}` is granted to nobody"))
                    .hint(format!("name who may `{action}`, or remove `{action}` to drop its route"));
                continue;
            }
            let list = self.role_list(roles, &p, scoped);
            for (i, role) in list.iter().enumerate() {
                let rp = p.index(i);
                match role {
                    Role::Pseudo(PseudoRole::Owner) if action == Action::Create => {
                        self.sink
                            .error(
                                Code::OwnerRoleWithoutOwner,
                                &rp,
                                "`owner` means nothing for `create`: the row does not exist yet",
                            )
                            .hint("grant `create` to `authenticated` or a role; the creator becomes the owner");
                    }
                    Role::Pseudo(PseudoRole::Anyone) if action.is_write() => {
                        self.sink.error(Code::AnyoneWrite, &rp, format!("`anyone` may not `{action}`: anonymous writes cannot be attributed or limited per user")).hint("use `authenticated` or a role");
                    }
                    Role::Pseudo(PseudoRole::Anyone) if tenant => {
                        self.sink
                            .error(
                                Code::AnyoneOnTenant,
                                &rp,
                                "`anyone` has no tenant, so it cannot be confined to a tenant's rows",
                            )
                            .hint("use `authenticated` or a role");
                    }
                    _ => {}
                }
            }
            out.insert(action, list);
        }
        out
    }

    /// Checks a list of role names: known, unique, `owner` only where rows are owned.
    fn role_list(&mut self, roles: &[String], at: &KeyPath, scoped: bool) -> Vec<Role> {
        let mut out: Vec<Role> = Vec::new();
        for (i, name) in roles.iter().enumerate() {
            let p = at.index(i);
            let role = Role::parse(name);
            match &role {
                Role::Named(n) if !self.roles.contains(n) => {
                    if !self.roles_unknown {
                        let mut known: Vec<&str> = self.roles.iter().map(String::as_str).collect();
                        known.extend(PseudoRole::spellings());
                        let hint = match suggest::closest(n, known.iter().copied()) {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => format!("declare it in `roles`, or use one of: {}", suggest::list(&known)),
                        };
                        self.sink.error(Code::UnknownRole, &p, format!("role `{n}` is not declared")).hint(hint);
                    }
                    continue;
                }
                Role::Pseudo(PseudoRole::Owner) if !scoped => {
                    self.sink
                        .error(
                            Code::OwnerRoleWithoutOwner,
                            &p,
                            "`owner` needs rows that belong to someone, but this resource has no `owner` or `tenant`",
                        )
                        .hint("add `owner: <field>` with a `server: subject` field, or grant a role instead");
                    continue;
                }
                _ => {}
            }
            if out.contains(&role) {
                self.sink.error(Code::Duplicate, &p, format!("`{role}` is listed twice")).hint("remove the second one");
                continue;
            }
            out.push(role);
        }
        out
    }

    fn id_field(&mut self, fields: Option<&indexmap::IndexMap<String, RawField>>, at: &KeyPath) -> Option<String> {
        let fields = fields?;
        let primaries: Vec<&String> = fields.iter().filter(|(_, f)| f.primary == Some(true)).map(|(n, _)| n).collect();
        let id = match primaries.as_slice() {
            [] if fields.contains_key("id") => "id".to_owned(),
            [] => {
                if !fields.is_empty() {
                    self.sink
                        .error_at_key(Code::IdField, at, "no id field: every resource needs exactly one")
                        .hint("add `id: { type: uuid }`, or mark a uuid field `primary: true`");
                }
                return None;
            }
            [one] => (*one).clone(),
            [first, rest @ ..] => {
                for extra in rest {
                    self.sink
                        .error(
                            Code::IdField,
                            &at.key(extra).key("primary"),
                            format!(
                                "`{extra}` is marked primary, but `{first}` already is: a resource has exactly one id"
                            ),
                        )
                        .hint("remove `primary: true` from all but one field");
                }
                return None;
            }
        };
        let f = fields.get(&id)?;
        let p = at.key(&id);
        if f.ty.is_some_and(|t| t != FieldType::Uuid) {
            self.sink
                .error(Code::IdField, &p.key("type"), format!("the id field `{id}` must be a `uuid`"))
                .hint("ids are server-generated UUIDs: sequential ids let callers guess other rows");
        }
        for (key, set) in [("optional", f.optional == Some(true)), ("default", f.default.is_some())] {
            if set {
                self.sink
                    .error_at_key(
                        Code::IdField,
                        &p.key(key),
                        format!("the id field `{id}` cannot have `{key}`: the server always generates it"),
                    )
                    .hint(format!("remove `{key}`"));
            }
        }
        if f.write.as_ref().is_some_and(|w| !w.is_empty()) {
            self.sink
                .error(
                    Code::NotWritable,
                    &p.key("write"),
                    format!("the id field `{id}` is never writable: the server generates it"),
                )
                .hint("remove `write`");
        }
        Some(id)
    }

    fn field(&mut self, name: &str, f: &RawField, at: &KeyPath, ctx: &FieldCtx<'_>) -> Option<Field> {
        if !is_ident(name) {
            self.sink
                .error_at_key(Code::BadIdentifier, at, format!("`{name}` is not a valid field name"))
                .hint(ident_hint(name));
        }
        let ty = f.ty?;
        let redact = f.redact.unwrap_or(false);
        let optional = f.optional.unwrap_or(false);

        // Constraints that the type does not take.
        let misplaced: [(&str, bool, &str); 5] = [
            ("min", f.min.is_some() && !ty.is_numeric(), "`int` and `float`"),
            ("max", f.max.is_some() && !ty.is_numeric(), "`int` and `float`"),
            ("min_len", f.min_len.is_some() && !ty.is_textual(), "text types"),
            ("max_len", f.max_len.is_some() && !ty.is_textual(), "text types"),
            ("pattern", f.pattern.is_some() && !ty.takes_pattern(), "`string` and `text`"),
        ];
        for (key, bad, takes) in misplaced {
            if bad {
                self.sink
                    .error_at_key(
                        Code::ConstraintType,
                        &at.key(key),
                        format!("`{key}` does not apply to {} field", a_ty(ty)),
                    )
                    .hint(format!("`{key}` is for {takes}; remove it"));
            }
        }
        // Numeric bounds.
        let (mut min, mut max) = (f.min, f.max);
        if ty == FieldType::Int {
            for (key, bound) in [("min", &mut min), ("max", &mut max)] {
                if let Some(Number::Float(x)) = *bound {
                    self.sink
                        .error(
                            Code::Range,
                            &at.key(key),
                            format!("`{x}` is not a whole number, but `{name}` is an `int`"),
                        )
                        .hint("use an integer bound");
                    *bound = None;
                }
            }
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && ty.is_numeric()
            && lo.as_f64() > hi.as_f64()
        {
            self.sink
                .error(Code::Range, &at.key("min"), format!("`min` {lo} is above `max` {hi}, so no value is valid"))
                .hint("swap them or fix one");
        }

        // Lengths: every text field gets a bound.
        let (min_len, max_len) = if ty.is_textual() {
            let (dmin, dmax) = if ty == FieldType::Password { (Some(12), 128) } else { (None, ctx.limits.max_len) };
            let max_len = f.max_len.unwrap_or(dmax);
            if f.max_len == Some(0) {
                self.sink
                    .error(Code::Range, &at.key("max_len"), "`max_len` 0 admits only the empty string")
                    .hint("use at least 1, or remove the field");
            }
            let min_len = f.min_len.or(dmin);
            if let Some(lo) = min_len
                && lo > max_len
            {
                let key = if f.min_len.is_some() { "min_len" } else { "max_len" };
                self.sink
                    .error(
                        Code::Range,
                        &at.key(key),
                        format!("`min_len` {lo} is above `max_len` {max_len}, so no value is valid"),
                    )
                    .hint("make `min_len` at most `max_len`");
            }
            (min_len, Some(max_len))
        } else {
            (None, None)
        };

        // Pattern.
        let pattern = f.pattern.clone();
        let compiled = match (&pattern, ty.takes_pattern()) {
            (Some(p), true) => match self.compile(p) {
                Ok(re) => Some(re),
                Err(e) => {
                    let detail = e
                        .to_string()
                        .lines()
                        .filter(|l| l.starts_with("error:"))
                        .map(|l| l.trim_start_matches("error:").trim().to_owned())
                        .next()
                        .unwrap_or_else(|| "it does not compile".to_owned());
                    self.sink.error(Code::BadPattern, &at.key("pattern"), format!("the pattern does not compile: {detail}")).hint("check brackets and escapes; the syntax is Rust's `regex` (no look-around, no backreferences)");
                    None
                }
            },
            _ => None,
        };
        if let Some(p) = &pattern
            && compiled.is_some()
            && !(p.starts_with('^') && p.ends_with('$'))
        {
            self.sink
                .warn(
                    Code::UnanchoredPattern,
                    &at.key("pattern"),
                    "the pattern is not anchored, so it matches any value that merely contains a match",
                )
                .hint(format!("write `^{}$`", p.trim_start_matches('^').trim_end_matches('$')));
        }

        // Enum values.
        let mut values = Vec::new();
        match (ty, &f.values) {
            (FieldType::Enum, None) if !self.poisoned(&at.key("values")) => {
                self.sink
                    .error_at_key(Code::EnumValues, at, format!("the enum field `{name}` has no `values`"))
                    .hint("add `values: [a, b]`");
            }
            (FieldType::Enum, Some(v)) if v.is_empty() => {
                self.sink
                    .error(
                        Code::EnumValues,
                        &at.key("values"),
                        format!("the enum field `{name}` has no values, so no value is valid"),
                    )
                    .hint("list at least one value");
            }
            (FieldType::Enum, Some(v)) => {
                for (i, value) in v.iter().enumerate() {
                    if !is_ident(value) {
                        self.sink
                            .error(
                                Code::BadIdentifier,
                                &at.key("values").index(i),
                                format!("`{value}` is not a valid enum value"),
                            )
                            .hint(ident_hint(value));
                    } else if values.contains(value) {
                        self.sink
                            .error(Code::Duplicate, &at.key("values").index(i), format!("`{value}` is listed twice"))
                            .hint("remove the second one");
                    } else {
                        values.push(value.clone());
                    }
                }
            }
            (_, Some(_)) => {
                self.sink
                    .error_at_key(
                        Code::ConstraintType,
                        &at.key("values"),
                        format!("`values` does not apply to {} field", a_ty(ty)),
                    )
                    .hint("`values` is for `type: enum`");
            }
            _ => {}
        }

        // Server values.
        let server = f.server;
        if let Some(s) = server {
            if !s.fits(ty) {
                let fits: Vec<&str> = FieldType::ALL.iter().filter(|t| s.fits(**t)).map(|t| t.as_str()).collect();
                self.sink
                    .error(
                        Code::ServerValue,
                        &at.key("server"),
                        format!("`server: {s}` cannot fill {} field", a_ty(ty)),
                    )
                    .hint(format!("`server: {s}` fills {}", suggest::list(&fits)));
            }
            if s == ServerValue::Tenant && !ctx.tenant {
                self.sink
                    .error(Code::TenantField, &at.key("server"), "`server: tenant` needs the resource's `tenant`")
                    .hint("add `tenant: { field: <this field>, claim: <claim> }` to the resource");
            }
        }

        // Writes.
        let mut write = Vec::new();
        for (i, action) in f.write.iter().flatten().enumerate() {
            let p = at.key("write").index(i);
            if !action.has_body() {
                self.sink
                    .error(Code::UnknownValue, &p, format!("`{action}` cannot write fields"))
                    .hint("`write` lists `create` and/or `update`");
            } else if write.contains(action) {
                self.sink
                    .error(Code::Duplicate, &p, format!("`{action}` is listed twice"))
                    .hint("remove the second one");
            } else {
                write.push(*action);
            }
        }
        if server.is_some() && !write.is_empty() {
            self.sink
                .error(
                    Code::NotWritable,
                    &at.key("write"),
                    format!("`{name}` is filled by the server, so clients may never write it"),
                )
                .hint("remove `write`, or remove `server` to let clients set it");
            write.clear();
        }
        let write_roles = match &f.write_roles {
            Some(_) if f.write.as_ref().is_none_or(Vec::is_empty) && !self.poisoned(&at.key("write")) => {
                self.sink
                    .error_at_key(
                        Code::WriteRolesWithoutWrite,
                        &at.key("write_roles"),
                        format!("`write_roles` restricts writes, but `{name}` is not writable"),
                    )
                    .hint("add `write: [create, update]`, or remove `write_roles`");
                None
            }
            Some(roles) if roles.is_empty() => {
                self.sink
                    .error(
                        Code::EmptyGrant,
                        &at.key("write_roles"),
                        "`write_roles` is empty, so nobody may write the field",
                    )
                    .hint("remove `write` to make the field read-only");
                None
            }
            Some(roles) => {
                let list = self.role_list(roles, &at.key("write_roles"), ctx.scoped);
                for (i, r) in list.iter().enumerate() {
                    if *r == Role::Pseudo(PseudoRole::Anyone) {
                        self.sink
                            .error(Code::AnyoneWrite, &at.key("write_roles").index(i), "`anyone` may not write fields")
                            .hint("use `authenticated` or a role");
                    }
                }
                Some(list)
            }
            None => None,
        };

        // Reads.
        let read_roles = match &f.read_roles {
            Some(_) if redact => {
                self.sink
                    .error_at_key(
                        Code::RedactWithReadRoles,
                        &at.key("read_roles"),
                        format!("`{name}` is redacted, so nobody reads it; `read_roles` contradicts that"),
                    )
                    .hint("remove `read_roles` to keep it hidden, or remove `redact` to show it to those roles");
                None
            }
            Some(_) if ty == FieldType::Password => {
                self.sink
                    .error_at_key(
                        Code::ConstraintType,
                        &at.key("read_roles"),
                        "a `password` field is write-only and never read",
                    )
                    .hint("remove `read_roles`");
                None
            }
            Some(roles) if roles.is_empty() => {
                self.sink
                    .error(Code::EmptyGrant, &at.key("read_roles"), "`read_roles` is empty, so nobody sees the field")
                    .hint("write `redact: true` to hide it on purpose");
                None
            }
            Some(roles) => Some(self.role_list(roles, &at.key("read_roles"), ctx.scoped)),
            None => None,
        };

        // Default.
        let default = match &f.default {
            Some(v) => self.default_value(
                v,
                &at.key("default"),
                DefaultCtx {
                    name,
                    ty,
                    server,
                    min,
                    max,
                    min_len,
                    max_len,
                    pattern: compiled.as_ref(),
                    values: &values,
                },
            ),
            None => None,
        };

        // A required field must be settable.
        let is_id = f.primary == Some(true) || (name == "id" && f.primary.is_none());
        if ctx.creatable
            && !optional
            && default.is_none()
            && f.default.is_none()
            && server.is_none()
            && !is_id
            && !write.contains(&Action::Create)
            && !self.poisoned(&at.key("write"))
            && !self.poisoned(&at.key("server"))
        {
            self.sink.error_at_key(Code::UnreachableField, at, format!("`{name}` is required, but `create` cannot set it and it has no default, so no row could be created")).hint("add `write: [create]`, a `default`, or `optional: true`");
        }

        Some(Field {
            name: name.to_owned(),
            ty,
            primary: false,
            optional,
            default,
            min,
            max,
            min_len,
            max_len,
            pattern,
            values,
            write,
            write_roles,
            read_roles,
            redact,
            server,
            description: f.description.clone(),
        })
    }

    fn default_value(&mut self, v: &Value, at: &KeyPath, c: DefaultCtx<'_>) -> Option<Literal> {
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
                let well_formed = match ty {
                    FieldType::Date => parse_date(s).is_ok(),
                    FieldType::Uuid => {
                        s.len() == 36
                            && s.chars().enumerate().all(|(i, ch)| {
                                if [8, 13, 18, 23].contains(&i) { ch == '-' } else { ch.is_ascii_hexdigit() }
                            })
                    }
                    FieldType::Email => s.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.')),
                    FieldType::Url => s.starts_with("https://") || s.starts_with("http://"),
                    FieldType::Timestamp => s.len() >= 20 && parse_date(&s[..10]).is_ok() && s.as_bytes()[10] == b'T',
                    _ => true,
                };
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

    fn name_clashes(&mut self, resources: &[Resource], at: &KeyPath) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for r in resources {
            for key in [r.plural.as_str(), r.type_name.as_str()] {
                if let Some(other) = seen.insert(key, &r.name)
                    && other != r.name
                {
                    self.sink
                        .error_at_key(
                            Code::NameClash,
                            &at.key(&r.name),
                            format!("`{}` and `{other}` would both be named `{key}`", r.name),
                        )
                        .hint("rename one, or set `plural:`");
                }
            }
        }
    }
}

struct FieldCtx<'l> {
    scoped: bool,
    tenant: bool,
    creatable: bool,
    limits: &'l Limits,
}

struct DefaultCtx<'a> {
    name: &'a str,
    ty: FieldType,
    server: Option<ServerValue>,
    min: Option<Number>,
    max: Option<Number>,
    min_len: Option<u32>,
    max_len: Option<u32>,
    pattern: Option<&'a Regex>,
    values: &'a [String],
}
