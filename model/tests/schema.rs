//! The JSON Schema accepts every valid fixture and the reference spec, and rejects what the
//! checker rejects structurally (an unknown key, a wrong type, a keyword outside its set).
//! Checked with a small validator for the draft-07 subset the schema uses, written here so
//! that the test needs no network and no schema library.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use serde_json::Value;

fn schema() -> Value {
    securegen_model::schema::json_schema()
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/definitions/");
            let def = &root["definitions"][name];
            assert!(!def.is_null(), "dangling $ref {r}");
            resolve(root, def)
        }
        None => node,
    }
}

/// Collects every violation of `schema` by `value`, with a JSON pointer.
fn validate(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let results: Vec<Vec<String>> = any
            .iter()
            .map(|s| {
                let mut e = Vec::new();
                validate(root, s, value, at, &mut e);
                e
            })
            .collect();
        if results.iter().all(|e| !e.is_empty()) {
            // Report why the first alternative failed (the others are `null`).
            errors.push(format!("{at}: matches no alternative"));
            errors.extend(results.into_iter().next().unwrap_or_default());
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.iter().any(|t| *t == actual || (*t == "number" && actual == "integer"));
        if !fits {
            errors.push(format!("{at}: {actual} is not {types:?}"));
            return;
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array)
        && !choices.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {choices:?}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        errors.push(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64())
        && n > max
    {
        errors.push(format!("{at}: {n} > {max}"));
    }
    if let Value::Array(items) = value
        && let Some(item_schema) = schema.get("items")
    {
        for (i, item) in items.iter().enumerate() {
            validate(root, item_schema, item, &format!("{at}/{i}"), errors);
        }
    }
    if let Value::Object(map) = value {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(req) {
                errors.push(format!("{at}: missing `{req}`"));
            }
        }
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(root, s, v, &format!("{at}/{k}"), errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{at}: unknown key `{k}`")),
                    Some(s @ Value::Object(_)) => validate(root, s, v, &format!("{at}/{k}"), errors),
                    _ => {}
                },
            }
        }
    }
}

fn errors_for(yaml: &str) -> Vec<String> {
    let value: Value = serde_yaml::from_str(yaml).expect("test input is YAML");
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root, &value, "", &mut errors);
    errors
}

#[test]
fn schema_is_draft_07_and_closed() {
    let s = schema();
    assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(s["required"], serde_json::json!(["service", "auth", "resources"]));
}

#[test]
fn schema_accepts_the_reference_and_every_valid_fixture() {
    let shop = include_str!("../../examples/shop/securegen.yaml");
    assert_eq!(errors_for(shop), Vec::<String>::new());
    for entry in std::fs::read_dir("tests/fixtures/valid").expect("fixtures") {
        let path = entry.expect("entry").path();
        let src = std::fs::read_to_string(&path).expect("read");
        assert_eq!(errors_for(&src), Vec::<String>::new(), "{}", path.display());
    }
}

#[test]
fn schema_rejects_what_the_checker_rejects_structurally() {
    let shop = include_str!("../../examples/shop/securegen.yaml");
    let cases = [
        (
            "      item:          { type: string,",
            "      item:          { type: string, mx_len: 3,",
            "unknown key `mx_len`",
        ),
        ("  database: sqlite", "  database: mysql", "/service/database"),
        ("    limits: { rate: 20/minute, page_max: 50 }", "    limits: { rate: 20/minute, page_max: -5 }", "-5 < 1"),
        ("    owner: owner_id", "    owner: [owner_id]", "array is not"),
        ("resources:", "extras: 1\nresources:", "unknown key `extras`"),
    ];
    for (from, to, expected) in cases {
        assert!(shop.contains(from), "{from}");
        let mutated = shop.replacen(from, to, 1);
        let errors = errors_for(&mutated);
        assert!(errors.iter().any(|e| e.contains(expected)), "{to}: {errors:?}");
        assert!(securegen_model::check(&mutated).errors() > 0, "the checker accepts what the schema rejects: {to}");
    }
}
