//! `ref` fields across resources: each points at a resource that exists and that some caller
//! may read (a write is allowed only when the caller can read the row it points at, so a
//! target nobody reads could never be referenced), and references form no cycle between
//! resources (each table is created after the tables it points at; a resource may point at
//! itself).

use super::Validator;
use crate::diag::{Code, KeyPath};
use crate::model::Resource;
use crate::suggest;
use crate::vocab::Action;

impl Validator<'_> {
    /// Resolves each reference's table; reports unknown or unreadable targets and cycles.
    pub(super) fn references(&mut self, resources: &mut [Resource], at: &KeyPath) {
        let targets: Vec<(String, (String, String), bool)> = resources
            .iter()
            .map(|r| (r.name.clone(), (r.table.clone(), r.id.clone()), r.access.contains_key(&Action::Read)))
            .collect();
        for r in resources.iter_mut() {
            for f in &mut r.fields {
                let Some(reference) = &mut f.reference else { continue };
                let here = at.key(&r.name).key("fields").key(&f.name).key("to");
                // A parent key's target is the parent: `nesting` reports what is wrong with it.
                let parent_key = f.server == Some(crate::vocab::ServerValue::Parent);
                match targets.iter().find(|(name, _, _)| *name == reference.to) {
                    None | Some((_, _, false)) if parent_key && !self.alone => {}
                    None if self.alone => {
                        // Another struct: its default table and id; the service checks both
                        // when it registers them.
                        reference.table = crate::plural::plural(&reference.to);
                        reference.column = "id".to_owned();
                    }
                    None => {
                        let hint = match suggest::closest(&reference.to, targets.iter().map(|(n, _, _)| n.as_str())) {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => "name a resource of this spec".to_owned(),
                        };
                        self.sink
                            .error(Code::BadRef, &here, format!("`{}` is not a resource", reference.to))
                            .hint(hint);
                    }
                    Some((_, _, false)) => {
                        self.sink
                            .error(
                                Code::BadRef,
                                &here,
                                format!(
                                    "`{}` has no `read` action: no caller could ever point at one of its rows",
                                    reference.to
                                ),
                            )
                            .hint(format!("grant `read` on `{}`, or remove the reference", reference.to));
                    }
                    Some((_, (table, id), true)) => {
                        reference.table = table.clone();
                        reference.column = id.clone();
                    }
                }
            }
        }
        self.reference_cycles(resources, at);
    }

    /// A cycle of references between resources could not be created table by table. Each
    /// cycle is reported once, at its first resource in spec order.
    fn reference_cycles(&mut self, resources: &[Resource], at: &KeyPath) {
        let points_at = |r: &Resource| -> Vec<String> {
            r.fields
                .iter()
                .filter_map(|f| f.reference.as_ref())
                .map(|x| x.to.clone())
                .filter(|to| *to != r.name)
                .collect()
        };
        // Every resource reachable from `from` through references.
        let reach = |from: &Resource| -> Vec<String> {
            let mut seen: Vec<String> = Vec::new();
            let mut frontier = points_at(from);
            while let Some(next) = frontier.pop() {
                if seen.contains(&next) {
                    continue;
                }
                if let Some(r) = resources.iter().find(|r| r.name == next) {
                    frontier.extend(points_at(r));
                }
                seen.push(next);
            }
            seen
        };
        let reaches: Vec<Vec<String>> = resources.iter().map(reach).collect();
        for (i, r) in resources.iter().enumerate() {
            let in_cycle = reaches[i].contains(&r.name);
            let earlier = (0..i).any(|j| reaches[j].contains(&r.name) && reaches[i].contains(&resources[j].name));
            if in_cycle
                && !earlier
                && super::nesting::goes_round(&r.name, &r.ancestors(|n| resources.iter().find(|x| x.name == n)))
            {
                self.sink
                    .error_at_key(
                        Code::BadParent,
                        &at.key(&r.name).key("parent"),
                        format!("parents form a cycle through `{}`", r.name),
                    )
                    .hint("a resource cannot be nested below itself: remove one `parent`");
            } else if in_cycle && !earlier {
                self.sink
                    .error_at_key(
                        Code::BadRef,
                        &at.key(&r.name),
                        format!("references form a cycle through `{}`", r.name),
                    )
                    .hint("point one way only: keep the reference on the side that is created second");
            }
        }
    }
}
