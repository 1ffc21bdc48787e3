//! One resource: its names, its owner or tenant, its id, and names that two resources
//! would share.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use indexmap::IndexMap;

use crate::diag::{Code, KeyPath};
use crate::limits::{Limits, parse_date};
use crate::model::{COMPANION_SUFFIXES, ListQuery, MAX_FIELDS, Resource, Tenant};
use crate::plural::plural;
use crate::raw::{RawField, RawResource};
use crate::suggest;
use crate::vocab::{Action, AuditLevel, FieldType, ServerValue};

use super::Validator;
use super::field::FieldCtx;
use super::names::{ident_hint, is_ident};

impl Validator<'_> {
    pub(super) fn resource(
        &mut self,
        name: &str,
        r: &RawResource,
        at: &KeyPath,
        defaults: &Limits,
        base_path: &str,
    ) -> Option<Resource> {
        let type_name = name.to_upper_camel_case();
        self.name(name, Some(&type_name), at, "resource");
        self.renamed_from(name, r.renamed_from.as_deref(), &at.key("renamed_from"));
        let plural = self.plural(name, r.plural.as_deref(), at);
        let limits = self.limits(defaults, r.limits.as_ref(), &at.key("limits"), false);
        let fields_path = at.key("fields");
        let raw_fields = r.fields.as_ref();
        let field_names: Vec<&str> = raw_fields.map(|f| f.keys().map(String::as_str).collect()).unwrap_or_default();

        let owner = self.owner(r, raw_fields, &field_names, at);
        let tenant = self.tenant(r, raw_fields, &field_names, at);
        // A declared owner or tenant scopes the rows even when it names a bad field: that
        // error is reported once, above, rather than again at every `owner` grant.
        // A nested resource's rows belong to its parent's owner (checked across resources).
        let nested = r.parent.is_some();
        let scoped = owner.is_some() || tenant.is_some() || r.owner.is_some() || r.tenant.is_some() || nested;
        let access = match &r.access {
            Some(a) => self.access(a, &at.key("access"), scoped, r.tenant.is_some(), nested),
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
            self.field_count(raw_fields.len(), &fields_path);
            let ctx = FieldCtx {
                scoped,
                tenant: r.tenant.is_some(),
                creatable: access.contains_key(&Action::Create),
                nested,
                limits: &limits,
            };
            for (fname, f) in raw_fields {
                if let Some(field) = self.field(fname, f, &fields_path.key(fname), &ctx) {
                    fields.push(field);
                }
            }
        }
        let id = self.id_field(raw_fields, &fields_path);
        self.parent_key(name, r, &mut fields, id.as_deref(), at);
        let deprecated = r.deprecated.unwrap_or(false);
        self.sunset(r.sunset.as_deref(), deprecated, &at.key("sunset"));
        if !self.poisoned(&fields_path)
            && r.fields.is_some()
            && let Some(id) = &id
            && let Some(f) = fields.iter_mut().find(|f| &f.name == id)
        {
            f.primary = true;
        }
        let mut resource = Resource {
            type_name,
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
            audit: r.audit.unwrap_or(AuditLevel::Writes),
            etag: r.etag.unwrap_or(false),
            deprecated,
            sunset: r.sunset.clone(),
            renamed_from: r.renamed_from.clone(),
            list: ListQuery::default(),
            parent: r.parent.clone(),
        };
        self.field_renames(&resource, &fields_path);
        resource.list = self.list_query(&resource, r.list.as_ref(), at);
        Some(resource)
    }

    /// The plural is the path segment and the table name: an identifier, written or derived.
    fn plural(&mut self, name: &str, written: Option<&str>, at: &KeyPath) -> String {
        let (plural, path) = match written {
            Some(p) => (p.to_owned(), at.key("plural")),
            None => (plural(name), at.clone()),
        };
        if !is_ident(&plural) && is_ident(name) {
            self.sink
                .error_at_key(
                    Code::BadIdentifier,
                    &path,
                    format!("`{plural}` is not a valid plural (it names the table)"),
                )
                .hint(if written.is_some() { ident_hint(&plural) } else { "set a shorter `plural:`".to_owned() });
        }
        plural
    }

    /// At least the id; at most [`MAX_FIELDS`].
    fn field_count(&mut self, n: usize, at: &KeyPath) {
        if n == 0 {
            self.sink
                .error(Code::IdField, at, "a resource needs fields, at least its id")
                .hint("add `id: { type: uuid }`");
        } else if n > MAX_FIELDS {
            self.sink
                .error_at_key(Code::Range, at, format!("{n} fields are more than the {MAX_FIELDS} a resource may have"))
                .hint("split the resource, e.g. into a parent and a child");
        }
    }

    /// A sunset date announces removal, so it needs `deprecated` and must be a date.
    fn sunset(&mut self, sunset: Option<&str>, deprecated: bool, at: &KeyPath) {
        let Some(s) = sunset else { return };
        if let Err(e) = parse_date(s) {
            self.sink.error(Code::BadFormat, at, e.message).hint(e.hint);
        } else if !deprecated {
            self.sink
                .error(
                    Code::SunsetWithoutDeprecated,
                    at,
                    "a sunset date announces removal, but the resource is not deprecated",
                )
                .hint("add `deprecated: true`");
        }
    }

    /// The owner field holds the token subject, filled by the server: clients cannot claim
    /// rows for someone else.
    fn owner(
        &mut self,
        r: &RawResource,
        fields: Option<&IndexMap<String, RawField>>,
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

    /// The tenant field holds the tenant claim, filled by the server: clients cannot write
    /// rows into another tenant.
    fn tenant(
        &mut self,
        r: &RawResource,
        fields: Option<&IndexMap<String, RawField>>,
        names: &[&str],
        at: &KeyPath,
    ) -> Option<Tenant> {
        let t = r.tenant.as_ref()?;
        let (field, claim) = (t.field.as_ref()?, t.claim.as_ref()?);
        let p = at.key("tenant");
        if claim.is_empty() || claim.chars().any(|c| c.is_whitespace() || c.is_control()) {
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

    /// Exactly one id: a server-generated UUID, never written, never optional (sequential
    /// or client-chosen ids let callers guess or squat on rows).
    fn id_field(&mut self, fields: Option<&IndexMap<String, RawField>>, at: &KeyPath) -> Option<String> {
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

    /// Two resources may not share a table, a path or a Rust type (the resource's own, or a
    /// companion such as `OrderCreate`).
    pub(super) fn name_clashes(&mut self, resources: &[Resource], at: &KeyPath) {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for r in resources {
            let mut names = vec![r.plural.clone(), r.type_name.clone()];
            names.extend(COMPANION_SUFFIXES.iter().map(|s| format!("{}{s}", r.type_name)));
            for key in names {
                if let Some(other) = seen.insert(key.clone(), &r.name)
                    && other != r.name
                {
                    self.sink
                        .error_at_key(
                            Code::NameClash,
                            &at.key(&r.name),
                            format!("`{}` and `{other}` would both be named `{key}`", r.name),
                        )
                        .hint(if key == r.plural { "rename one, or set `plural:`" } else { "rename one of them" });
                }
            }
        }
    }
}
