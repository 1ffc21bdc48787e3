//! Nested resources (`parent:`): a child's rows are reached only through a parent row the
//! caller may read, so the parent must exist and be readable, the chain must end (no cycle,
//! at most [`MAX_DEPTH`] deep), and the child may not carry an owner or tenant of its own —
//! `owner` in its `access` means the owner up the chain, which must exist.

use crate::diag::{Code, KeyPath};
use crate::model::{Field, Reference, Resource};
use crate::raw::RawResource;
use crate::suggest;
use crate::vocab::{Action, FieldType, Keyword as _, OnDelete, PseudoRole, ServerValue};

use super::Validator;

use crate::model::MAX_DEPTH;

impl Validator<'_> {
    /// The field holding the parent's id: declared with `server: parent`, or (in a spec) added
    /// as `{parent}_id` right after the id. A child has no owner or tenant of its own.
    pub(super) fn parent_key(
        &mut self,
        name: &str,
        r: &RawResource,
        fields: &mut Vec<Field>,
        id: Option<&str>,
        at: &KeyPath,
    ) {
        let Some(parent) = &r.parent else {
            if r.on_parent_delete.is_some() {
                self.sink
                    .error(Code::BadParent, &at.key("on_parent_delete"), "`on_parent_delete` needs a `parent`")
                    .hint("add `parent: <resource>`, or remove `on_parent_delete`");
            }
            return;
        };
        for (key, set) in [("owner", r.owner.is_some()), ("tenant", r.tenant.is_some())] {
            if set {
                self.sink
                    .error(
                        Code::BadParent,
                        &at.key(key),
                        format!("`{name}` is nested under `{parent}`, whose {key} its rows share: it has no {key} of its own"),
                    )
                    .hint(format!("remove `{key}`; in `access`, `owner` means the owner of the `{parent}` row"));
            }
        }
        let keys: Vec<usize> =
            fields.iter().enumerate().filter(|(_, f)| f.server == Some(ServerValue::Parent)).map(|(i, _)| i).collect();
        let fields_path = at.key("fields");
        match keys.as_slice() {
            [] => self.add_parent_key(name, parent, r.on_parent_delete, fields, id, &fields_path),
            [one] => {
                let f = &mut fields[*one];
                let here = fields_path.key(&f.name);
                let Some(reference) = &mut f.reference else { return };
                if &reference.to != parent {
                    self.sink
                        .error(
                            Code::BadParent,
                            &here.key("to"),
                            format!("the parent key `{}` must point at the parent `{parent}`", f.name),
                        )
                        .hint(format!("write `to: {parent}`"));
                }
                let explicit =
                    r.fields.as_ref().and_then(|m| m.get(&f.name)).is_some_and(|raw| raw.on_delete.is_some());
                match r.on_parent_delete {
                    Some(_) if explicit => {
                        self.sink
                            .error(
                                Code::BadParent,
                                &here.key("on_delete"),
                                "`on_delete` of the parent key repeats the resource's `on_parent_delete`",
                            )
                            .hint("keep `on_parent_delete` and remove this one");
                    }
                    Some(rule) => reference.on_delete = rule,
                    None => {}
                }
            }
            [_, rest @ ..] => {
                for i in rest {
                    self.sink
                        .error(
                            Code::BadParent,
                            &fields_path.key(&fields[*i].name).key("server"),
                            "a resource has one parent, so one field with `server: parent`",
                        )
                        .hint("remove `server: parent` from all but one field");
                }
            }
        }
    }

    /// Adds `{parent}_id` after the id; an annotated struct must declare it (it is the row).
    fn add_parent_key(
        &mut self,
        name: &str,
        parent: &str,
        on_delete: Option<OnDelete>,
        fields: &mut Vec<Field>,
        id: Option<&str>,
        at: &KeyPath,
    ) {
        let key = format!("{parent}_id");
        if self.alone {
            self.sink
                .error_at_key(
                    Code::BadParent,
                    at,
                    format!("`{name}` is nested under `{parent}` but has no field for its id"),
                )
                .hint(format!("add `{key}: Uuid` with `#[field(to = {parent}, server = parent)]`"));
            return;
        }
        if fields.iter().any(|f| f.name == key) {
            self.sink
                .error_at_key(
                    Code::BadParent,
                    &at.key(&key),
                    format!("`{key}` is the key securegen adds for the parent `{parent}`"),
                )
                .hint(format!("rename this field, or declare it `{{ type: ref, to: {parent}, server: parent }}`"));
            return;
        }
        let field = Field {
            server: Some(ServerValue::Parent),
            description: Some(format!("The `{parent}` this row belongs to.")),
            reference: Some(Reference {
                to: parent.to_owned(),
                table: String::new(),
                column: String::new(),
                on_delete: on_delete.unwrap_or(OnDelete::Restrict),
            }),
            ..Field::new(&key, FieldType::Ref)
        };
        let at_id = id.and_then(|id| fields.iter().position(|f| f.name == id)).map_or(0, |i| i + 1);
        fields.insert(at_id, field);
    }

    /// Resolves each child's parent and path; reports unknown or unreadable parents, chains
    /// deeper than [`MAX_DEPTH`], `owner` grants with no owner up the chain, and references
    /// that would reach a child's rows without its parent. Cycles are references' cycles.
    pub(super) fn nesting(&mut self, resources: &mut [Resource], at: &KeyPath) {
        let snapshot: Vec<Resource> = resources.to_vec();
        let find = |name: &str| snapshot.iter().find(|r| r.name == name);
        for r in resources.iter_mut() {
            let Some(parent) = r.parent.clone() else { continue };
            let here = at.key(&r.name).key("parent");
            let Some(key) = r.parent_field().map(|f| f.name.clone()) else { continue };
            let segment = segment(&r.plural, &parent);
            match find(&parent) {
                None if self.alone => {
                    // Another struct: its default path; the service checks it when it
                    // registers both (or the struct names its `path`).
                    let base = r.path.strip_suffix(&format!("/{}", r.plural)).unwrap_or_default().to_owned();
                    r.path = struct_path(&base, &parent, &key, &segment);
                }
                None => {
                    let hint = match suggest::closest(&parent, snapshot.iter().map(|r| r.name.as_str())) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "name a resource of this spec".to_owned(),
                    };
                    self.sink.error(Code::BadParent, &here, format!("`{parent}` is not a resource")).hint(hint);
                }
                Some(p) if p.name == r.name => {
                    self.sink
                        .error(Code::BadParent, &here, format!("`{parent}` cannot be its own parent"))
                        .hint("a row pointing at a row of its own kind is a `ref`");
                }
                Some(p) if !p.access.contains_key(&Action::Read) => {
                    self.sink
                        .error(
                            Code::BadParent,
                            &here,
                            format!("`{parent}` has no `read` action: no caller could reach a `{}` through it", r.name),
                        )
                        .hint(format!("grant `read` on `{parent}`"));
                }
                Some(_) => match r.ancestors(find) {
                    // Reported as a cycle of references.
                    ancestors if goes_round(&r.name, &ancestors) => {}
                    ancestors if ancestors.len() > MAX_DEPTH => {
                        self.sink
                            .error(
                                Code::BadParent,
                                &here,
                                format!(
                                    "`{}` is nested more than {MAX_DEPTH} levels deep; at most {MAX_DEPTH} are served",
                                    r.name
                                ),
                            )
                            .hint("nest it under a resource higher up, or point at its parent with a `ref`");
                    }
                    ancestors => {
                        r.path = nested_path(&snapshot, &ancestors, &r.name);
                        let owned = ancestors.iter().any(|a| a.owner.is_some() || a.tenant.is_some());
                        self.owner_through_parent(r, owned, at);
                    }
                },
            }
        }
        self.references_to_children(resources, at);
    }

    /// `owner` on a child means the owner up its chain: some ancestor must have one.
    fn owner_through_parent(&mut self, r: &Resource, owned: bool, at: &KeyPath) {
        if owned {
            return;
        }
        for (action, roles) in &r.access {
            if let Some(i) = roles.iter().position(|x| *x == crate::model::Role::Pseudo(PseudoRole::Owner)) {
                self.sink
                    .error(
                        Code::OwnerRoleWithoutOwner,
                        &at.key(&r.name).key("access").key(action.as_str()).index(i),
                        format!("`owner` on `{}` means the owner of its parent, but no parent up the chain has an `owner` or `tenant`", r.name),
                    )
                    .hint("give the top-level parent an `owner`, or grant a role instead");
            }
        }
    }

    /// A `ref` to a nested resource would reach its rows by id alone, around the parent.
    fn references_to_children(&mut self, resources: &[Resource], at: &KeyPath) {
        for r in resources {
            for f in &r.fields {
                let Some(reference) = &f.reference else { continue };
                if f.server == Some(ServerValue::Parent) {
                    continue;
                }
                if let Some(t) = resources.iter().find(|t| t.name == reference.to)
                    && let Some(parent) = &t.parent
                {
                    self.sink
                        .error(
                            Code::BadRef,
                            &at.key(&r.name).key("fields").key(&f.name).key("to"),
                            format!(
                                "`{}` is nested under `{parent}`: a reference would reach its rows around the parent",
                                t.name
                            ),
                        )
                        .hint(format!("point at `{parent}` instead, or make `{}` top-level", t.name));
                }
            }
        }
    }
}

/// The path segment of a child: its plural without its parent's name in front
/// (`order_lines` under `order` is `/orders/{order_id}/lines`).
pub(crate) fn segment(plural: &str, parent: &str) -> String {
    match plural.strip_prefix(parent).and_then(|s| s.strip_prefix('_')) {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => plural.to_owned(),
    }
}

/// Whether a chain of `ancestors` (nearest first) of `name` goes round: a name comes back.
pub(crate) fn goes_round(name: &str, ancestors: &[&Resource]) -> bool {
    ancestors.iter().enumerate().any(|(i, a)| a.name == name || ancestors[..i].iter().any(|b| b.name == a.name))
}

/// The route an annotated struct nested under `parent` gets when it names none: the parent
/// at its default place, `{base}/{parents}/{{key}}/{segment}`.
pub fn struct_path(base: &str, parent: &str, key: &str, segment: &str) -> String {
    format!("{base}/{}/{{{key}}}/{segment}", crate::plural::plural(parent))
}

/// `{top path}/{{key}}/{segment}/…/{segment}`: each level below the top-level ancestor adds
/// its parent's key and its own segment.
fn nested_path(resources: &[Resource], ancestors: &[&Resource], name: &str) -> String {
    let Some(top) = ancestors.last() else { return String::new() };
    let mut path = top.path.clone();
    let mut below: Vec<&Resource> = ancestors.iter().rev().skip(1).copied().collect();
    if let Some(me) = resources.iter().find(|r| r.name == name) {
        below.push(me);
    }
    for r in below {
        let (Some(parent), Some(key)) = (&r.parent, r.parent_field()) else { continue };
        path = format!("{path}/{{{}}}/{}", key.name, segment(&r.plural, parent));
    }
    path
}
