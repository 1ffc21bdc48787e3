//! The decision rules of the model: given a caller, which rows an action reaches and which
//! fields it sees or writes. One function answers each question, so `explain`, the runtime
//! and the generated code cannot disagree.

use serde::Serialize;

use crate::model::{Field, Resource, Role};
use crate::vocab::{Action, PseudoRole};

/// Who is calling, as far as policy is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'a> {
    /// No token.
    Anonymous,
    /// A valid token carrying these roles.
    Authenticated(&'a [String]),
}

/// What a list of roles (`access`, `read_roles`, `write_roles`) grants one caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Not granted.
    Never,
    /// Granted only on rows the caller owns (through the `owner` pseudo-role).
    OwnRows,
    /// Granted on every row in reach.
    Always,
}

/// Evaluates a role list for a caller. `anyone` grants everybody, `authenticated` every
/// token, a declared role the tokens carrying it, and `owner` only the caller's own rows.
pub fn grant(roles: &[Role], caller: Caller<'_>) -> Grant {
    let held = match caller {
        Caller::Anonymous => {
            return if roles.contains(&Role::Pseudo(PseudoRole::Anyone)) { Grant::Always } else { Grant::Never };
        }
        Caller::Authenticated(held) => held,
    };
    let direct = roles.iter().any(|r| match r {
        Role::Pseudo(PseudoRole::Anyone | PseudoRole::Authenticated) => true,
        Role::Pseudo(PseudoRole::Owner) => false,
        Role::Named(n) => held.iter().any(|h| h == n),
    });
    if direct {
        Grant::Always
    } else if roles.contains(&Role::Pseudo(PseudoRole::Owner)) {
        Grant::OwnRows
    } else {
        Grant::Never
    }
}

/// Which rows an allowed action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowScope {
    /// Only rows whose owner field equals the caller's subject.
    pub owner: bool,
    /// Only rows whose tenant field equals the caller's tenant claim.
    pub tenant: bool,
}

/// The function-level decision for one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "decision", content = "scope")]
pub enum Decision {
    /// 401 for anonymous callers, 403 for authenticated ones (404 when there is no route).
    Deny,
    /// Allowed, on these rows.
    Allow(RowScope),
}

impl Resource {
    /// Decides whether `caller` may perform `action`, and on which rows.
    ///
    /// A role that grants the action directly lifts the owner filter; a caller granted only
    /// through `owner` reaches their own rows. Tenant confinement applies to every
    /// authenticated caller whatever their role: tenants are isolated, roles are per tenant.
    pub fn decide(&self, action: Action, caller: Caller<'_>) -> Decision {
        let Some(roles) = self.access.get(&action) else {
            return Decision::Deny;
        };
        let tenant = self.tenant.is_some() && matches!(caller, Caller::Authenticated(_));
        match grant(roles, caller) {
            Grant::Never => Decision::Deny,
            Grant::Always => Decision::Allow(RowScope { owner: false, tenant }),
            // With a tenant but no owner field, `owner` means "my tenant's rows"; under a
            // parent, the rows whose parent chain the caller owns.
            Grant::OwnRows => {
                Decision::Allow(RowScope { owner: self.owner.is_some() || self.parent.is_some(), tenant })
            }
        }
    }

    /// Whether `caller` may filter, sort or search lists of this resource by `field`: it may
    /// list, and it reads the field on every row its list answers — on every row, or on its
    /// own rows when its list holds only those (the owner filter applies, or rows belong to
    /// the caller's tenant and there is no owner field). Anything else would let a filter
    /// reveal what a response hides.
    pub fn may_query_by(&self, field: &Field, caller: Caller<'_>) -> bool {
        match self.decide(Action::List, caller) {
            Decision::Deny => false,
            Decision::Allow(scope) => match field.read_grant(caller) {
                Grant::Always => true,
                Grant::OwnRows => scope.owner || (self.owner.is_none() && self.tenant.is_some()),
                Grant::Never => false,
            },
        }
    }
}

impl Field {
    /// Whether `caller` sees this field in responses (given they may read the row).
    pub fn read_grant(&self, caller: Caller<'_>) -> Grant {
        if !self.is_readable() {
            return Grant::Never;
        }
        match &self.read_roles {
            None => Grant::Always,
            Some(roles) => grant(roles, caller),
        }
    }

    /// Whether `caller` may set this field in `action` (given they may call the action).
    /// On `create` the caller becomes the owner, so an `owner` gate admits them.
    pub fn write_grant(&self, action: Action, caller: Caller<'_>) -> Grant {
        if !self.is_writable_in(action) {
            return Grant::Never;
        }
        let g = match &self.write_roles {
            None => Grant::Always,
            Some(roles) => grant(roles, caller),
        };
        match (action, g) {
            (Action::Create, Grant::OwnRows) => Grant::Always,
            (_, g) => g,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(list: &[&str]) -> Vec<Role> {
        list.iter().map(|r| Role::parse(r)).collect()
    }

    #[test]
    fn owner_is_the_weakest_grant() {
        let admin = ["admin".to_owned()];
        let user = ["user".to_owned()];
        let list = roles(&["owner", "admin"]);
        assert_eq!(grant(&list, Caller::Authenticated(&admin)), Grant::Always);
        assert_eq!(grant(&list, Caller::Authenticated(&user)), Grant::OwnRows);
        assert_eq!(grant(&list, Caller::Anonymous), Grant::Never);
    }

    #[test]
    fn anyone_admits_anonymous_callers() {
        let list = roles(&["anyone"]);
        assert_eq!(grant(&list, Caller::Anonymous), Grant::Always);
        assert_eq!(grant(&list, Caller::Authenticated(&[])), Grant::Always);
        assert_eq!(grant(&roles(&["authenticated"]), Caller::Anonymous), Grant::Never);
    }
}
