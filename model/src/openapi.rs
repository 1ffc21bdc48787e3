//! The OpenAPI 3.1 document of a service, from the same policies the runtime enforces: every
//! routed operation with its bearer security, its request and response schemas (closed with
//! `additionalProperties: false`, every bound of the spec, redacted fields absent, fields
//! every reader sees `required`), every status it can answer with ([`refusals`]), and the
//! role rules as `x-` extensions. The running service serves this document; `securegen
//! generate` writes the same one to `openapi.json`.

use serde_json::{Map, Value, json};

use crate::model::{Field, Resource, Role, Settings};
use crate::policy::{Caller, Decision, Grant};
use crate::values::NO_CONTROL_PATTERN;
use crate::vocab::{Action, FieldType, Keyword as _};

fn field_schema(f: &Field) -> Value {
    let mut s = Map::new();
    let ty = match f.ty {
        FieldType::Int => "integer",
        FieldType::Float => "number",
        FieldType::Bool => "boolean",
        _ => "string",
    };
    s.insert("type".into(), if f.optional { json!([ty, "null"]) } else { json!(ty) });
    let format = match f.ty {
        FieldType::Email => Some("email"),
        FieldType::Url => Some("uri"),
        FieldType::Uuid | FieldType::Ref => Some("uuid"),
        FieldType::Date => Some("date"),
        FieldType::Timestamp => Some("date-time"),
        FieldType::Int => Some("int64"),
        FieldType::Password => Some("password"),
        _ => None,
    };
    if f.ty == FieldType::Password {
        // Sent, never returned: no response schema holds it either.
        s.insert("writeOnly".into(), json!(true));
    }
    if let Some(fmt) = format {
        s.insert("format".into(), json!(fmt));
    }
    if let Some(m) = f.min {
        s.insert("minimum".into(), json!(m.as_f64()));
    }
    if let Some(m) = f.max {
        s.insert("maximum".into(), json!(m.as_f64()));
    }
    if let Some(m) = f.min_len {
        s.insert("minLength".into(), json!(m));
    }
    if let Some(m) = f.max_len {
        s.insert("maxLength".into(), json!(m));
    }
    // The runtime refuses control characters other than tab and line breaks in text.
    match (&f.pattern, f.ty.is_textual() || f.ty == FieldType::Enum) {
        (Some(p), _) => {
            s.insert("allOf".into(), json!([{ "pattern": p }, { "pattern": NO_CONTROL_PATTERN }]));
        }
        (None, true) if f.values.is_empty() => {
            s.insert("pattern".into(), json!(NO_CONTROL_PATTERN));
        }
        _ => {}
    }
    if !f.values.is_empty() {
        s.insert("enum".into(), json!(f.values));
    }
    if let Some(d) = &f.description {
        s.insert("description".into(), json!(d));
    }
    fn roles(rs: &[Role]) -> Vec<&str> {
        rs.iter().map(Role::as_str).collect()
    }
    if let Some(rs) = &f.read_roles {
        s.insert("x-read-roles".into(), json!(roles(rs)));
    }
    if let Some(rs) = &f.write_roles {
        s.insert("x-write-roles".into(), json!(roles(rs)));
    }
    Value::Object(s)
}

fn object(fields: &[&Field], required: &[&str]) -> Value {
    let props: Map<String, Value> = fields.iter().map(|f| (f.name.clone(), field_schema(f))).collect();
    json!({ "type": "object", "additionalProperties": false, "properties": props, "required": required })
}

fn problem_ref() -> Value {
    json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } })
}

fn rate_headers() -> Value {
    let int = json!({ "schema": { "type": "integer" } });
    json!({ "RateLimit-Limit": int, "RateLimit-Remaining": int, "RateLimit-Reset": int, "RateLimit-Policy": { "schema": { "type": "string" } } })
}

fn responses(success: (&str, Value), errors: &[u16]) -> Value {
    let mut out = Map::new();
    out.insert(success.0.to_owned(), success.1);
    for status in errors {
        let mut r = json!({ "description": error_text(*status), "content": problem_ref() });
        match status {
            401 => r["headers"] = json!({ "WWW-Authenticate": { "schema": { "type": "string" } } }),
            429 => {
                let mut h = rate_headers();
                h["Retry-After"] = json!({ "schema": { "type": "integer" } });
                r["headers"] = h;
            }
            _ => {}
        }
        out.insert(status.to_string(), r);
    }
    Value::Object(out)
}

fn error_text(status: u16) -> &'static str {
    match status {
        400 => "Malformed JSON, query or cursor",
        401 => "Missing or invalid bearer token",
        403 => "The token's roles do not grant this action",
        404 => "No such row in the caller's scope",
        412 => "If-Match does not match the row's version",
        413 => "The body exceeds the limit",
        415 => "The body is not application/json",
        422 => "Fields that may not be written, or values out of bounds",
        428 => "If-Match is required",
        429 => "Rate limit exceeded",
        _ => "Error",
    }
}

/// Every error status an action of `r` can answer with, besides 408 (a request slower than
/// the deadline) and 500: the one list both the document and the runtime's tests hold the
/// handlers to.
pub fn refusals(r: &Resource, a: Action) -> Vec<u16> {
    let mut out: Vec<u16> = match a {
        Action::Create => vec![400, 401, 403, 413, 415, 422, 429],
        Action::Read | Action::Delete => vec![401, 403, 404, 429],
        Action::List => vec![400, 401, 403, 429],
        Action::Update if r.etag => vec![400, 401, 403, 404, 412, 413, 415, 422, 428, 429],
        Action::Update => vec![400, 401, 403, 404, 413, 415, 422, 429],
    };
    if r.parent.is_some() {
        // A parent the caller may not read answers like a missing one, for every action.
        out.push(404);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The names of the parameters in a path (`{order_id}`, …), in order.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect()
}

/// A uuid path parameter.
fn uuid_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

fn security(r: &Resource, a: Action) -> Value {
    if r.decide(a, Caller::Anonymous) == Decision::Deny {
        json!([{ "bearerAuth": [] }])
    } else {
        json!([{}, { "bearerAuth": [] }])
    }
}

/// The query parameters of a list: the page, then each filter, the sort and the search its
/// `list:` allows. A caller who may not read a field on the rows listed gets a 400 for it,
/// as for a parameter that does not exist.
fn list_parameters(r: &Resource) -> Vec<Value> {
    let mut out = vec![
        json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1 }, "description": format!("Page size, default {}; values above {} are clamped", r.limits.page_default, r.limits.page_max) }),
        json!({ "name": "cursor", "in": "query", "schema": { "type": "string", "pattern": "^[A-Za-z0-9_-]+$" }, "description": "The next_cursor of the previous page, with the same filters, sort and q" }),
    ];
    let hidden = "; 400 for a caller who may not read the field on these rows";
    for f in r.list.filter.iter().filter_map(|n| r.field(n)) {
        let value = field_schema(&Field { optional: false, ..f.clone() });
        out.push(json!({ "name": f.name, "in": "query", "schema": value, "description": format!("Rows whose `{}` equals this{hidden}", f.name) }));
        if f.ty.is_ordered() {
            for (op, what) in [("lt", "below"), ("lte", "at most"), ("gt", "above"), ("gte", "at least")] {
                out.push(json!({ "name": format!("{}.{op}", f.name), "in": "query", "schema": value, "description": format!("Rows whose `{}` is {what} this{hidden}", f.name) }));
            }
        }
        if f.ty == FieldType::Enum {
            let one = f.values.join("|");
            let pattern = format!("^({one})(,({one})){{0,{}}}$", crate::model::MAX_IN_VALUES - 1);
            out.push(json!({ "name": format!("{}.in", f.name), "in": "query", "schema": { "type": "string", "pattern": pattern }, "description": format!("Rows whose `{}` is one of these, comma-separated, at most {}{hidden}", f.name, crate::model::MAX_IN_VALUES) }));
        }
    }
    if !r.list.sort.is_empty() {
        let orders: Vec<String> = r.list.sort.iter().flat_map(|n| [n.clone(), format!("-{n}")]).collect();
        out.push(json!({ "name": "sort", "in": "query", "schema": { "type": "string", "enum": orders }, "description": format!("Order by a field, `-` for descending; ties broken by id{hidden}") }));
    }
    if !r.list.search.is_empty() {
        out.push(json!({ "name": "q", "in": "query", "schema": { "type": "string", "minLength": 1, "maxLength": crate::model::MAX_SEARCH_CHARS, "pattern": NO_CONTROL_PATTERN }, "description": format!("Rows where any of {} contains this text, ignoring ASCII case; searches only fields the caller may read", r.list.search.join(", ")) }));
    }
    out
}

fn operation(r: &Resource, a: Action, schema_base: &str) -> Value {
    let view = json!({ "$ref": format!("#/components/schemas/{schema_base}View") });
    let json_of = |s: Value| json!({ "application/json": { "schema": s } });
    let roles: Vec<&str> = r.access.get(&a).map(|rs| rs.iter().map(Role::as_str).collect()).unwrap_or_default();
    let id_param = uuid_param("id");
    let mut op = match a {
        Action::Create => json!({
            "requestBody": { "required": true, "content": json_of(json!({ "$ref": format!("#/components/schemas/{schema_base}Create") })) },
            "responses": responses(("201", json!({ "description": "Created", "headers": { "Location": { "schema": { "type": "string" } } }, "content": json_of(view.clone()) })), &refusals(r, a)),
        }),
        Action::Read => json!({
            "parameters": [id_param],
            "responses": responses(("200", json!({ "description": "The row, as the caller may see it", "content": json_of(view.clone()) })), &refusals(r, a)),
        }),
        Action::List => json!({
            "parameters": list_parameters(r),
            "responses": responses(("200", json!({ "description": "A page of rows", "content": json_of(json!({
                "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
                "properties": { "items": { "type": "array", "items": view.clone() }, "next_cursor": { "type": ["string", "null"] } },
            })) })), &refusals(r, a)),
        }),
        Action::Update => {
            let mut params = vec![id_param];
            if r.etag {
                params.push(json!({ "name": "If-Match", "in": "header", "required": true, "schema": { "type": "string" }, "description": "The row's ETag, or `*`" }));
            }
            json!({
                "parameters": params,
                "requestBody": { "required": true, "content": json_of(json!({ "$ref": format!("#/components/schemas/{schema_base}Update") })) },
                "responses": responses(("200", json!({ "description": "The updated row", "content": json_of(view.clone()) })), &refusals(r, a)),
            })
        }
        Action::Delete => json!({
            "parameters": [id_param],
            "responses": responses(("204", json!({ "description": "Deleted" })), &refusals(r, a)),
        }),
    };
    if a == Action::Create {
        // Links from the 201 to what may follow, with the new row's id.
        let links: Map<String, Value> = [Action::Read, Action::Update, Action::Delete]
            .into_iter()
            .filter(|x| r.access.contains_key(x))
            .map(|x| {
                let mut params = Map::new();
                for p in path_params(&r.path) {
                    params.insert(p.to_owned(), json!(format!("$response.body#/{p}")));
                }
                params.insert("id".to_owned(), json!(format!("$response.body#/{}", r.id)));
                let link = json!({ "operationId": format!("{}_{}", x.as_str(), r.name), "parameters": params });
                (x.as_str().to_owned(), link)
            })
            .collect();
        if !links.is_empty() {
            op["responses"]["201"]["links"] = Value::Object(links);
        }
    }
    let parents: Vec<Value> = path_params(&r.path).into_iter().map(uuid_param).collect();
    if !parents.is_empty() {
        let mut params = parents;
        if let Some(Value::Array(own)) = op.get("parameters") {
            params.extend(own.iter().cloned());
        }
        op["parameters"] = Value::Array(params);
    }
    op["operationId"] = json!(format!("{}_{}", a.as_str(), r.name));
    op["security"] = security(r, a);
    op["x-roles"] = json!(roles);
    if r.deprecated {
        op["deprecated"] = json!(true);
    }
    op
}

/// The fields every caller who may read or list rows of `r` sees, whichever row: they are
/// `required` in the view (a typed client need not treat them as possibly missing).
fn always_seen(r: &Resource) -> Vec<&str> {
    // Every role the resource names, each alone: together with anonymous callers and tokens
    // without roles, they are every kind of caller the policy tells apart.
    let mut roles: Vec<[String; 1]> = r
        .access
        .values()
        .flatten()
        .chain(r.fields.iter().filter_map(|f| f.read_roles.as_ref()).flatten())
        .filter_map(|role| match role {
            Role::Named(n) => Some([n.clone()]),
            Role::Pseudo(_) => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    let readers: Vec<Caller<'_>> = [Caller::Anonymous, Caller::Authenticated(&[])]
        .into_iter()
        .chain(roles.iter().map(|r| Caller::Authenticated(r)))
        .filter(|c| [Action::Read, Action::List].iter().any(|a| r.decide(*a, *c) != Decision::Deny))
        .collect();
    r.fields
        .iter()
        .filter(|f| f.is_readable())
        .filter(|f| match &f.read_roles {
            None => true,
            // Listed roles: seen by all only when every possible reader holds the grant.
            Some(_) => !readers.is_empty() && readers.iter().all(|c| f.read_grant(*c) == Grant::Always),
        })
        .map(|f| f.name.as_str())
        .collect()
}

/// The OpenAPI document of a service's `resources`.
pub fn document(settings: &Settings, resources: &[&Resource]) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for r in resources.iter().copied() {
        let base = &r.type_name;
        let mut collection = Map::new();
        let mut item = Map::new();
        for a in r.access.keys() {
            let op = operation(r, *a, base);
            let method = match a {
                Action::Create => "post",
                Action::Read | Action::List => "get",
                Action::Update => "patch",
                Action::Delete => "delete",
            };
            if matches!(a, Action::Create | Action::List) {
                collection.insert(method.into(), op);
            } else {
                item.insert(method.into(), op);
            }
        }
        if !collection.is_empty() {
            paths.insert(r.path.clone(), Value::Object(collection));
        }
        if !item.is_empty() {
            paths.insert(format!("{}/{{id}}", r.path), Value::Object(item));
        }
        let create: Vec<&Field> = r.fields.iter().filter(|f| f.is_writable_in(Action::Create)).collect();
        let required: Vec<&str> = create
            .iter()
            .filter(|f| !f.optional && f.default.is_none() && f.write_roles.is_none())
            .map(|f| f.name.as_str())
            .collect();
        schemas.insert(format!("{base}Create"), object(&create, &required));
        let update: Vec<&Field> = r.fields.iter().filter(|f| f.is_writable_in(Action::Update)).collect();
        schemas.insert(format!("{base}Update"), object(&update, &[]));
        let readable: Vec<&Field> = r.fields.iter().filter(|f| f.is_readable()).collect();
        let mut view = object(&readable, &always_seen(r));
        if let Some(o) = &r.owner {
            view["x-owner-field"] = json!(o);
        }
        schemas.insert(format!("{base}View"), view);
    }
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object", "additionalProperties": false, "required": ["type", "title", "status"],
            "properties": {
                "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
                "detail": { "type": "string" }, "request_id": { "type": "string" },
                "errors": { "type": "array", "items": { "type": "object", "additionalProperties": false, "required": ["pointer", "detail"],
                    "properties": { "pointer": { "type": "string" }, "detail": { "type": "string" } } } },
            },
        }),
    );
    let mut doc = Map::new();
    doc.insert("openapi".into(), json!("3.1.0"));
    doc.insert(
        "info".into(),
        json!({
            "title": settings.service.name,
            "version": settings.service.api_version,
            "description": settings.service.description.clone().unwrap_or_else(|| "Generated by securegen".to_owned()),
        }),
    );
    doc.insert("paths".into(), Value::Object(paths));
    doc.insert(
        "components".into(),
        json!({
            "securitySchemes": { "bearerAuth": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": schemas,
        }),
    );
    Value::Object(doc)
}
