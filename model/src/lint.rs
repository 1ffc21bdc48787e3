//! Security lints: a valid spec that is probably not what its author meant. They are
//! warnings; `securegen check --deny-warnings` makes them fail.

use crate::diag::{Code, KeyPath, Sink};
use crate::model::{Role, Spec};
use crate::vocab::{FieldType, Keyword, PseudoRole};

/// Name fragments that suggest a credential or personal secret.
const SENSITIVE: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "ssn",
    "credit_card",
    "card_number",
    "cvv",
    "pin_code",
];

/// Runs every lint over a validated spec. (Lints that need the raw spec — leeway, issuer,
/// audience, page sizes, patterns — run during validation, where the raw keys are known.)
pub(crate) fn lint(spec: &Spec, sink: &mut Sink) {
    let root = KeyPath::root().key("resources");
    for r in &spec.resources {
        let at = root.key(&r.name);
        for f in &r.fields {
            let lower = f.name.to_ascii_lowercase();
            if let Some(word) = SENSITIVE.iter().find(|w| lower.contains(**w))
                && !f.redact
                && f.ty != FieldType::Password
            {
                sink.warn(
                    Code::SensitiveField,
                    &at.key("fields").key(&f.name),
                    format!("`{}` looks like a secret (`{word}`) but appears in responses", f.name),
                )
                .hint("add `redact: true`, or use `type: password` for credentials");
            }
        }
        for (action, roles) in &r.access {
            if let Some(i) = roles.iter().position(|x| *x == Role::Pseudo(PseudoRole::Anyone)) {
                let p = at.key("access").key(action.as_str()).index(i);
                let msg = match &r.owner {
                    Some(owner) => format!(
                        "rows of `{}` belong to their `{owner}`, yet anyone without a token may `{action}` all of them",
                        r.name
                    ),
                    None => format!("anyone without a token may `{action}` `{}`", r.plural),
                };
                sink.warn(Code::AnyoneAccess, &p, msg)
                    .hint("make sure this data is public; otherwise use `authenticated` or a role");
            }
        }
    }
}
