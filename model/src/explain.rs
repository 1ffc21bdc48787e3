//! `securegen explain`: the role × action × field matrix of a spec — who may call each
//! action on which rows, who sees each field, and who may write it in `create` and `update`.
//! Every cell comes from the policy functions in [`crate::policy`], the same ones the runtime
//! enforces.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::{Resource, Spec};
use crate::policy::{Caller, Decision, Grant};
use crate::vocab::{Action, Keyword};

/// The matrix of a whole spec.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Service name.
    pub service: String,
    /// One matrix per resource.
    pub resources: Vec<ResourceMatrix>,
}

/// Who may do what with one resource.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceMatrix {
    /// Resource name.
    pub resource: String,
    /// Route prefix.
    pub path: String,
    /// Owner field, when rows belong to a subject.
    pub owner: Option<String>,
    /// Tenant claim, when rows belong to a tenant (every caller is confined to their own).
    pub tenant_claim: Option<String>,
    /// Column headings: `anyone`, `authenticated`, then each declared role.
    pub callers: Vec<String>,
    /// One row per action.
    pub actions: Vec<ActionRow>,
    /// One row per field.
    pub fields: Vec<FieldRow>,
    /// One row per field a list may be queried by (`list:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<QueryRow>,
    /// For a nested resource: the parents its rows are reached through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentReach>,
}

/// How a nested resource's rows are reached: only through a parent row the caller may read,
/// whose owner (up the chain) owns them. The action cells are already narrowed by the
/// parents' read grants (a child action needs both).
#[derive(Debug, Clone, Serialize)]
pub struct ParentReach {
    /// The parents, nearest first.
    pub chain: Vec<String>,
    /// The field holding the parent row's id.
    pub key: String,
    /// `resource.field` of the owner the rows share, when one is known.
    pub owner: Option<String>,
}

/// Who may filter, sort or search a list by one field.
#[derive(Debug, Clone, Serialize)]
pub struct QueryRow {
    /// Field name.
    pub field: String,
    /// `filter`, `sort`, `search`: what the spec allows with it.
    pub uses: Vec<&'static str>,
    /// Per caller: may use it (lists, and reads the field on every row listed). A caller who
    /// may not gets a 400, as for a field that does not exist.
    pub cells: Vec<bool>,
}

/// What each caller gets from one action.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    /// The action.
    pub action: Action,
    /// Whether the action has a route at all.
    pub routed: bool,
    /// Per caller, in the order of `callers`: the rows reached.
    pub cells: Vec<Grant>,
}

/// What each caller may do with one field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldRow {
    /// Field name.
    pub field: String,
    /// Field type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Filled by the server (`subject`, `now`, …), if so.
    pub server: Option<String>,
    /// Per caller: sees it in responses.
    pub read: Vec<Grant>,
    /// Per caller: may send it in `create`.
    pub create: Vec<Grant>,
    /// Per caller: may send it in `update`.
    pub update: Vec<Grant>,
}

/// Computes the matrix of every resource.
pub fn explain(spec: &Spec) -> Explanation {
    let role_sets: Vec<Vec<String>> = spec.roles.iter().map(|r| vec![r.clone()]).collect();
    let callers = callers(&spec.roles, &role_sets);
    Explanation {
        service: spec.service.name.clone(),
        resources: spec.resources.iter().map(|r| matrix(r, &r.ancestors(|n| spec.resource(n)), &callers)).collect(),
    }
}

/// The matrix of one resource with a column per role of `roles` (a service's declared roles:
/// the columns stay put when a grant changes).
pub fn explain_resource_in(r: &Resource, roles: &[String]) -> Explanation {
    explain_nested_in(r, &[], roles)
}

/// The matrix of one nested resource below `ancestors` (nearest first), whose read grants
/// narrow each action, with a column per role of `roles`.
pub fn explain_nested_in(r: &Resource, ancestors: &[&Resource], roles: &[String]) -> Explanation {
    let role_sets: Vec<Vec<String>> = roles.iter().map(|r| vec![r.clone()]).collect();
    let callers = callers(roles, &role_sets);
    Explanation { service: r.name.clone(), resources: vec![matrix(r, ancestors, &callers)] }
}

/// The matrix of one resource on its own (an annotated struct's policy), with a column per
/// role its policy names, in name order.
pub fn explain_resource(r: &Resource) -> Explanation {
    let mut roles: Vec<String> = r
        .access
        .values()
        .flatten()
        .chain(r.fields.iter().filter_map(|f| f.read_roles.as_ref()).flatten())
        .chain(r.fields.iter().filter_map(|f| f.write_roles.as_ref()).flatten())
        .filter_map(|role| match role {
            crate::model::Role::Named(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    explain_resource_in(r, &roles)
}

/// The columns: `anyone`, `authenticated`, then each role alone.
fn callers<'a>(roles: &'a [String], role_sets: &'a [Vec<String>]) -> Vec<(String, Caller<'a>)> {
    let mut callers: Vec<(String, Caller<'_>)> =
        vec![("anyone".to_owned(), Caller::Anonymous), ("authenticated".to_owned(), Caller::Authenticated(&[]))];
    callers
        .extend(roles.iter().zip(role_sets).map(|(name, set)| (name.clone(), Caller::Authenticated(set.as_slice()))));
    callers
}

fn row_grant(d: Decision) -> Grant {
    match d {
        Decision::Deny => Grant::Never,
        Decision::Allow(scope) if scope.owner => Grant::OwnRows,
        Decision::Allow(_) => Grant::Always,
    }
}

/// The narrower of two grants: a field grant is bounded by the row grant.
fn meet(a: Grant, b: Grant) -> Grant {
    match (a, b) {
        (Grant::Never, _) | (_, Grant::Never) => Grant::Never,
        (Grant::OwnRows, _) | (_, Grant::OwnRows) => Grant::OwnRows,
        _ => Grant::Always,
    }
}

fn wider(a: Grant, b: Grant) -> Grant {
    match (a, b) {
        (Grant::Always, _) | (_, Grant::Always) => Grant::Always,
        (Grant::OwnRows, _) | (_, Grant::OwnRows) => Grant::OwnRows,
        _ => Grant::Never,
    }
}

fn matrix(r: &Resource, ancestors: &[&Resource], callers: &[(String, Caller<'_>)]) -> ResourceMatrix {
    // A child action needs the child's grant and a readable parent, all the way up.
    let decide = |a: Action, c: Caller<'_>| {
        ancestors.iter().fold(row_grant(r.decide(a, c)), |g, p| meet(g, row_grant(p.decide(Action::Read, c))))
    };
    let actions = Action::ALL
        .iter()
        .map(|&action| ActionRow {
            action,
            routed: r.access.contains_key(&action),
            cells: callers.iter().map(|(_, c)| decide(action, *c)).collect(),
        })
        .collect();
    let fields = r
        .fields
        .iter()
        .map(|f| FieldRow {
            field: f.name.clone(),
            ty: f.ty.as_str().to_owned(),
            server: f.server.map(|s| s.as_str().to_owned()),
            read: callers
                .iter()
                .map(|(_, c)| meet(wider(decide(Action::Read, *c), decide(Action::List, *c)), f.read_grant(*c)))
                .collect(),
            create: callers
                .iter()
                .map(|(_, c)| meet(decide(Action::Create, *c), f.write_grant(Action::Create, *c)))
                .collect(),
            update: callers
                .iter()
                .map(|(_, c)| meet(decide(Action::Update, *c), f.write_grant(Action::Update, *c)))
                .collect(),
        })
        .collect();
    ResourceMatrix {
        resource: r.name.clone(),
        path: r.path.clone(),
        owner: r.owner.clone(),
        tenant_claim: r.tenant.as_ref().map(|t| t.claim.clone()),
        callers: callers.iter().map(|(n, _)| n.clone()).collect(),
        actions,
        fields,
        queries: queries(r, callers),
        parent: r.parent_field().map(|key| ParentReach {
            chain: match ancestors {
                [] => r.parent.iter().cloned().collect(),
                _ => ancestors.iter().map(|a| a.name.clone()).collect(),
            },
            key: key.name.clone(),
            owner: ancestors.iter().find_map(|a| a.owner.as_ref().map(|o| format!("{}.{o}", a.name))),
        }),
    }
}

/// The list-query rows: who may query by each field ([`Resource::may_query_by`]).
fn queries(r: &Resource, callers: &[(String, Caller<'_>)]) -> Vec<QueryRow> {
    r.fields
        .iter()
        .filter_map(|f| {
            let uses: Vec<&'static str> =
                [("filter", &r.list.filter), ("sort", &r.list.sort), ("search", &r.list.search)]
                    .into_iter()
                    .filter(|(_, names)| names.contains(&f.name))
                    .map(|(how, _)| how)
                    .collect();
            if uses.is_empty() {
                return None;
            }
            let cells = callers.iter().map(|(_, c)| r.may_query_by(f, *c)).collect();
            Some(QueryRow { field: f.name.clone(), uses, cells })
        })
        .collect()
}

fn cell(g: Grant) -> &'static str {
    match g {
        Grant::Always => "all",
        Grant::OwnRows => "own",
        Grant::Never => "-",
    }
}

fn field_cell(g: Grant) -> &'static str {
    match g {
        Grant::Always => "yes",
        Grant::OwnRows => "own",
        Grant::Never => "-",
    }
}

/// Whether a table is printed for a terminal or as Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStyle {
    /// Columns aligned with spaces.
    Text,
    /// GitHub-flavoured Markdown.
    Markdown,
}

fn table(out: &mut String, style: TableStyle, head: &[String], rows: &[Vec<String>]) {
    let all = || std::iter::once(head).chain(rows.iter().map(Vec::as_slice));
    match style {
        TableStyle::Markdown => {
            let _ = writeln!(out, "| {} |", head.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
            for row in rows {
                let _ = writeln!(out, "| {} |", row.join(" | "));
            }
        }
        TableStyle::Text => {
            let widths: Vec<usize> =
                (0..head.len()).map(|i| all().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            for row in all() {
                let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
                let _ = writeln!(out, "  {}", line.join("  ").trim_end());
            }
        }
    }
}

/// Renders the matrix as aligned text or Markdown.
pub fn render(e: &Explanation, style: TableStyle) -> String {
    let mut out = String::new();
    let md = style == TableStyle::Markdown;
    if md {
        let _ = writeln!(out, "# Access matrix of `{}`\n", e.service);
    }
    for (i, r) in e.resources.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut title = format!("{} ({})", r.resource, r.path);
        if md {
            title = format!("## `{}` (`{}`)", r.resource, r.path);
        }
        let _ = writeln!(out, "{title}");
        let rows_note = match (&r.owner, &r.tenant_claim) {
            (Some(o), Some(t)) => format!(
                "rows belong to the subject in `{o}`, within the tenant in claim `{t}`; every caller is confined to their tenant"
            ),
            (Some(o), None) => format!("rows belong to the subject in `{o}`"),
            (None, Some(t)) => {
                format!("rows belong to the tenant in claim `{t}`; every caller is confined to their tenant")
            }
            (None, None) => "rows belong to nobody: a granted caller reaches all of them".to_owned(),
        };
        let rows_note = match &r.parent {
            Some(p) => {
                let parent = p.chain.first().map_or("", String::as_str);
                let owner = match &p.owner {
                    Some(o) => format!("rows belong to the subject in `{o}`, and `owner` means that subject"),
                    None => "rows belong to their parent's tenant".to_owned(),
                };
                let article = if parent.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                format!(
                    "nested under `{}` (`{}`): a row is reached only through {article} `{parent}` the caller may read, so each cell below already requires that; {owner}",
                    p.chain.join("` under `"),
                    p.key
                )
            }
            None => rows_note,
        };
        let _ = writeln!(out, "{}{rows_note}\n", if md { "" } else { "  " });
        let legend = "all = every row, own = own rows only, - = denied";
        let _ = writeln!(out, "{}Actions ({legend}):", if md { "" } else { "  " });
        if md {
            out.push('\n');
        }
        let mut head = vec!["action".to_owned()];
        head.extend(r.callers.iter().cloned());
        let rows: Vec<Vec<String>> = r
            .actions
            .iter()
            .map(|a| {
                let mut row = vec![a.action.as_str().to_owned()];
                if a.routed {
                    row.extend(a.cells.iter().map(|g| cell(*g).to_owned()));
                } else {
                    row.extend(r.callers.iter().map(|_| "no route".to_owned()));
                }
                row
            })
            .collect();
        table(&mut out, style, &head, &rows);
        for (label, pick) in
            [("Fields seen in responses", 0), ("Fields writable in create", 1), ("Fields writable in update", 2)]
        {
            let _ = writeln!(out, "\n{}{label} (yes, own = on own rows only, - = no):", if md { "" } else { "  " });
            if md {
                out.push('\n');
            }
            let mut head = vec!["field".to_owned()];
            head.extend(r.callers.iter().cloned());
            let rows: Vec<Vec<String>> = r
                .fields
                .iter()
                .map(|f| {
                    let cells = match pick {
                        0 => &f.read,
                        1 => &f.create,
                        _ => &f.update,
                    };
                    let name = match (&f.server, pick) {
                        (Some(s), 1 | 2) => format!("{} (server: {s})", f.field),
                        _ => f.field.clone(),
                    };
                    let mut row = vec![name];
                    row.extend(cells.iter().map(|g| field_cell(*g).to_owned()));
                    row
                })
                .collect();
            table(&mut out, style, &head, &rows);
        }
        if !r.queries.is_empty() {
            let _ = writeln!(
                out,
                "\n{}Lists queried by (yes = may filter, sort or search by it; - = 400 as for an unknown field):",
                if md { "" } else { "  " }
            );
            if md {
                out.push('\n');
            }
            let mut head = vec!["field".to_owned()];
            head.extend(r.callers.iter().cloned());
            let rows: Vec<Vec<String>> = r
                .queries
                .iter()
                .map(|q| {
                    let mut row = vec![format!("{} ({})", q.field, q.uses.join(", "))];
                    row.extend(q.cells.iter().map(|&yes| if yes { "yes" } else { "-" }.to_owned()));
                    row
                })
                .collect();
            table(&mut out, style, &head, &rows);
        }
    }
    out
}
