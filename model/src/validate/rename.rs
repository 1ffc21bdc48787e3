//! `renamed_from:` on a resource or a field: the name it had before, so that the next
//! migration renames the table or column and keeps the data instead of dropping one and
//! creating another.

use super::Validator;
use super::names::is_ident;
use crate::diag::{Code, KeyPath};
use crate::model::Resource;

impl Validator<'_> {
    /// The old name is a name the spec could have had, and not this one.
    pub(super) fn renamed_from(&mut self, name: &str, from: Option<&str>, at: &KeyPath) {
        let Some(from) = from else { return };
        if !is_ident(from) {
            self.sink
                .error(Code::BadIdentifier, at, format!("`{from}` is not a name a resource or field could have had"))
                .hint("write the old name exactly as it was: lowercase letters, digits and `_`");
        } else if from == name {
            self.sink
                .error(Code::BadRename, at, format!("`{name}` is renamed from itself"))
                .hint("remove `renamed_from:`, or write the name it had before");
        }
    }

    /// A field renamed from a name another field still has would take that field's column;
    /// the id is how rows are addressed and never changes.
    pub(super) fn field_renames(&mut self, r: &Resource, at: &KeyPath) {
        for f in &r.fields {
            let Some(from) = f.renamed_from.as_ref().filter(|from| **from != f.name) else { continue };
            let here = at.key(&f.name).key("renamed_from");
            if f.primary {
                self.sink
                    .error(Code::BadRename, &here, format!("the id field `{}` cannot be renamed", f.name))
                    .hint("rows are addressed by their id: keep its name");
            } else if r.field(from).is_some() {
                self.sink
                    .error(
                        Code::BadRename,
                        &here,
                        format!("`{}` is renamed from `{from}`, which is still a field", f.name),
                    )
                    .hint(format!("remove `{from}`, or remove `renamed_from:`"));
            } else if r.fields.iter().filter(|g| g.renamed_from.as_deref() == Some(from)).count() > 1 {
                self.sink
                    .error(Code::BadRename, &here, format!("two fields are renamed from `{from}`"))
                    .hint("one column can become one field");
            }
        }
    }

    /// Likewise for resources.
    pub(super) fn resource_renames(&mut self, resources: &[Resource], at: &KeyPath) {
        for r in resources {
            let Some(from) = r.renamed_from.as_ref().filter(|from| **from != r.name) else { continue };
            let here = at.key(&r.name).key("renamed_from");
            if resources.iter().any(|o| &o.name == from) {
                self.sink
                    .error(
                        Code::BadRename,
                        &here,
                        format!("`{}` is renamed from `{from}`, which is still a resource", r.name),
                    )
                    .hint(format!("remove `{from}`, or remove `renamed_from:`"));
            } else if resources.iter().filter(|o| o.renamed_from.as_deref() == Some(from)).count() > 1 {
                self.sink
                    .error(Code::BadRename, &here, format!("two resources are renamed from `{from}`"))
                    .hint("one table can become one resource");
            }
        }
    }
}
