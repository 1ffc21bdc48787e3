//! `access`: who may call each action, and which role lists are well-formed.

use std::collections::BTreeMap;

use crate::diag::{Code, KeyPath};
use crate::model::Role;
use crate::raw::RawAccess;
use crate::suggest;
use crate::vocab::{Action, Keyword as _, PseudoRole};

use super::Validator;

impl Validator<'_> {
    pub(super) fn access(
        &mut self,
        a: &RawAccess,
        at: &KeyPath,
        scoped: bool,
        tenant: bool,
        nested: bool,
    ) -> BTreeMap<Action, Vec<Role>> {
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
                    // Under a parent, `owner` on `create` means the owner of the parent row.
                    Role::Pseudo(PseudoRole::Owner) if action == Action::Create && !nested => {
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
    pub(super) fn role_list(&mut self, roles: &[String], at: &KeyPath, scoped: bool) -> Vec<Role> {
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
}
