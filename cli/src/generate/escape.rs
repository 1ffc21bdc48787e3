//! How spec text reaches generated files: only through an escaper made for the file's
//! language. A spec is input from a pull request; a file it regenerates is rarely read, so a
//! quote in a description must not end a string and start code.
//!
//! Each template is rendered with a custom auto-escape mode named after its language
//! ([`language`]). In every mode the formatter writes a plain string only when it is a *name*
//! (letters, digits and `_ . / : -`, which the checker guarantees for identifiers, paths and
//! variables); anything else stops the render with an error naming the template, unless a
//! filter escaped it first and marked it safe: `rust_str` (a Rust string literal, escaped by
//! `proc_macro2`), `toml` (a TOML string, by the `toml` serializer), `md` (one line of
//! Markdown text) or minijinja's `tojson`. Code produced by `quote` is passed in already
//! marked safe ([`code`]).

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State};

/// The language a template renders, from its name (`Cargo.toml.j2` → `toml`).
pub(crate) fn language(name: &str) -> AutoEscape {
    let name = name.strip_suffix(".j2").unwrap_or(name);
    let lang = match name.rsplit('.').next() {
        Some("rs") => "rust",
        Some("toml") => "toml",
        Some("md") => "markdown",
        Some("sql") => "sql",
        Some("yaml") => "yaml",
        // `env.j2`, `env.example.j2`, `gitignore.j2`: shell-like lines.
        _ => "text",
    };
    AutoEscape::Custom(lang.into())
}

/// Whether `s` is a name that is safe verbatim in every language we write (a Rust raw
/// identifier such as `r#type` included, and a route whose segments are names or
/// `{name}` parameters).
fn is_name(s: &str) -> bool {
    let s = s.strip_prefix("r#").unwrap_or(s);
    let plain = |seg: &str| seg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
    if !s.starts_with('/') {
        return plain(s);
    }
    // A route: `{name}` parameters between the slashes.
    s.split('/').all(|seg| plain(seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(seg)))
}

/// Writes `value` in the template's language, refusing free text that no escaper handled.
pub(crate) fn formatter(out: &mut Output<'_>, state: &mut State<'_, '_>, value: &Value) -> Result<(), Error> {
    let lang = match state.auto_escape() {
        AutoEscape::Custom(lang) => lang.to_string(),
        _ => "text".to_owned(),
    };
    if value.is_safe() || value.is_number() || value.kind() == minijinja::value::ValueKind::Bool {
        return write(out, &value.to_string());
    }
    let text = value.to_string();
    if is_name(&text) {
        return write(out, &text);
    }
    if lang == "markdown" {
        return write(out, &markdown(&text));
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "`{}` is not a name and would reach a {lang} file unescaped; pass it through an escaper (|rust_str, |toml, |md, |tojson)",
            text.escape_debug()
        ),
    ))
}

fn write(out: &mut Output<'_>, s: &str) -> Result<(), Error> {
    out.write_str(s).map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the rendered file"))
}

/// `s` as a Rust string literal, escaped by `proc_macro2`.
pub(crate) fn rust_str(s: &str) -> String {
    proc_macro2::Literal::string(s).to_string()
}

/// `s` as a TOML basic string, escaped by the `toml` serializer.
pub(crate) fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// `s` as one line of Markdown text: control characters (line breaks included) become
/// spaces, HTML is written as entities, every character that starts inline markup is
/// escaped, and so is a first character that would start a block (a heading, a list, a
/// quote).
pub(crate) fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            c if c.is_control() => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c if i == 0 && c.is_ascii_digit() => {
                // `1.` would start an ordered list.
                out.push_str("&#");
                out.push_str(&u32::from(c).to_string());
                out.push(';');
            }
            c => out.push(c),
        }
    }
    out
}

/// Code made by `quote`/`prettyplease` (every text in it already a literal), for templates.
pub(crate) fn code(s: String) -> Value {
    Value::from_safe_string(s)
}

/// Installs the escaping formatter and the escaper filters.
pub(crate) fn install(env: &mut Environment<'_>) {
    env.set_auto_escape_callback(language);
    env.set_formatter(formatter);
    env.add_filter("rust_str", |s: String| Value::from_safe_string(rust_str(&s)));
    env.add_filter("toml", |s: String| Value::from_safe_string(toml_str(&s)));
    env.add_filter("md", |s: String| Value::from_safe_string(markdown(&s)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(name: &str, template: &str, text: &str) -> Result<String, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        install(&mut env);
        env.add_template_owned(name.to_owned(), template.to_owned())?;
        env.get_template(name)?.render(minijinja::context! { text })
    }

    #[test]
    fn free_text_needs_an_escaper() {
        let hostile = "a\"#]}\n[x]\r\n*/ \"####";
        for name in ["lib.rs.j2", "Cargo.toml.j2", "0001.sql.j2", "env.j2"] {
            let e = render(name, "{{ text }}", hostile).unwrap_err();
            assert!(e.to_string().contains("escaper"), "{name}: {e}");
        }
        assert_eq!(render("lib.rs.j2", "{{ text }}", "shop_api").unwrap(), "shop_api");
        // A route's parameters pass; braces anywhere else do not.
        let route = "/api/v1/orders/{order_id}/lines";
        assert_eq!(render("lib.rs.j2", "{{ text }}", route).unwrap(), route);
        for braced in ["{order_id}", "/api/{a b}", "/api/{x}}", "a{b}"] {
            assert!(render("lib.rs.j2", "{{ text }}", braced).is_err(), "{braced}");
        }
        assert_eq!(render("lib.rs.j2", "{{ text|rust_str }}", "a\"b").unwrap(), "\"a\\\"b\"");
        let toml = render("Cargo.toml.j2", "d = {{ text|toml }}", hostile).unwrap();
        let parsed: toml::Table = toml.parse().unwrap();
        assert_eq!(parsed["d"].as_str(), Some(hostile));
        let md = render("README.md.j2", "# {{ text }}", hostile).unwrap();
        assert_eq!(md.lines().count(), 1, "{md}");
    }
}
