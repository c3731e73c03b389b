//! The OpenAPI document made to state exactly what the server does, by rules
//! every operation follows, applied after each handler's own annotations:
//!
//! - who may call it: a protected operation takes a bearer token or the
//!   session cookie (writes by cookie also the `X-CSRF-Token` header);
//! - every status the layers and extractors can answer, each with the error
//!   body: 400 for a bad parameter, id or body; 401 and 403 where a caller is
//!   checked; 404 where an id is looked up; 413 and 415 where a JSON body is
//!   read; 429 from the public read limit on every `GET /api/…`;
//! - the bounds of every parameter the handlers check by hand (the query
//!   parsers in `shared::api` and the handlers' own), so that a request the
//!   document allows is one the server takes.
//!
//! Tested by `openapi_states_security_statuses_and_bounds` in
//! `server/tests/api/http.rs`, and by Schemathesis in CI
//! (`cargo xtask schemathesis`).

use serde_json::{Value, json};

/// The bounds and kinds of query parameters, by name (the same name means
/// the same thing on every route, except `limit`, bounded per route).
fn query_schema(path: &str, name: &str) -> Option<Value> {
    Some(match name {
        "lat" => json!({"type": "number", "minimum": -90, "maximum": 90}),
        "lon" => json!({"type": "number", "minimum": -180, "maximum": 180}),
        "limit" if path.ends_with("/nearby") => {
            json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 10})
        }
        "limit" if path.ends_with("/search") => {
            json!({"type": "integer", "minimum": 1, "maximum": 50, "default": 10})
        }
        "limit" => json!({"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000}),
        // 1 to 64 characters that are neither spaces nor controls.
        "q" => json!({"type": "string", "pattern": SEARCH_TEXT, "example": "台中車站"}),
        "radius_m" => json!({"type": "number", "exclusiveMinimum": 0}),
        "bbox" => json!({"type": "string", "pattern": BBOX, "example": "120.6,24.1,120.7,24.2"}),
        "overdue_hours" => json!({"type": "number", "exclusiveMinimum": 0, "maximum": 8760}),
        "org" => id_schema(),
        "state" => json!({"type": "string", "enum": ["open", "acknowledged", "resolved"]}),
        _ => return None,
    })
}

/// Search text: 1 to 64 characters that are not spaces or controls,
/// among any number of those.
const SEARCH_TEXT: &str =
    r"^[\s\x00-\x1f\x7f-\x9f]*(?:[^\s\x00-\x1f\x7f-\x9f][\s\x00-\x1f\x7f-\x9f]*){1,64}$";

/// Four numbers, longitudes within ±180 and latitudes within ±90; the
/// latitudes may come in either order.
const BBOX: &str = concat!(
    r"^\s*(-?(180(\.0+)?|(1[0-7][0-9]|[0-9]{1,2})(\.[0-9]+)?))\s*,",
    r"\s*(-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?))\s*,",
    r"\s*(-?(180(\.0+)?|(1[0-7][0-9]|[0-9]{1,2})(\.[0-9]+)?))\s*,",
    r"\s*(-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?))\s*$"
);

fn id_schema() -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX})
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// What each status means when an operation's annotation does not say.
fn meaning(status: &str) -> &'static str {
    match status {
        "400" => {
            "a parameter, id or body field is invalid: `error.code` says how and `error.field` which"
        }
        "401" => "not signed in, or the session has ended",
        "403" => {
            "not allowed: not an admin, another organisation's, or a cookie write without this site's CSRF token"
        }
        "404" => "no such thing",
        "409" => "it conflicts with the current state (changed since the version given, or taken)",
        "413" => "the body is larger than allowed",
        "415" => "the body must be JSON, sent with Content-Type: application/json",
        "428" => "say which version the change was made from: `version` or If-Match",
        "429" => "too many requests: wait as many seconds as Retry-After (and `error.limit`) say",
        "503" => "busy or not ready: try again shortly",
        _ => "an error",
    }
}

/// The request bodies that name an organisation, which may not exist (404).
const NAMING_AN_ORG: [&str; 4] = ["ToiletDraft", "ToiletPatch", "NewUser", "UserPatch"];

/// Request bodies, where the derived schemas say less than the server
/// checks: names are not blank, a patch closes with a reason or reopens
/// (removal is DELETE), time zones are IANA names, organisations are
/// positive ids.
fn bodies(schemas: &mut Value) {
    use gongce_shared::text::{NOT_BLANK, REASON_MAX};
    inline_details(schemas);
    for body in ["ToiletDraft", "ToiletPatch", "NewOrg", "OrgPatch"] {
        if let Some(name) = schemas.pointer_mut(&format!("/{body}/properties/name")) {
            name["pattern"] = json!(NOT_BLANK);
        }
    }
    let zones: Vec<Value> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().into())
        .chain([Value::Null])
        .collect();
    for body in NAMING_AN_ORG {
        let Some(properties) = schemas
            .pointer_mut(&format!("/{body}/properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if let Some(zone) = properties.get_mut("timezone") {
            *zone = json!({"type": ["string", "null"], "enum": zones,
                "description": "an IANA time zone; left out, the one where the toilet stands"});
        }
        if let Some(org) = properties.get_mut("org_id") {
            *org = json!({"type": ["integer", "null"], "format": "int64", "minimum": 1,
                "description": "an organisation's id (admins only)"});
        }
    }
    schemas["ToiletPatch"]["properties"]["status"] = json!({"oneOf": [
        {"type": "object", "required": ["state"],
         "properties": {"state": {"type": "string", "enum": ["open"]}}},
        {"type": "object", "required": ["state", "reason"],
         "properties": {
            "state": {"type": "string", "enum": ["temporarily_closed"]},
            "reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX, "pattern": NOT_BLANK},
            "until": {"type": ["string", "null"], "format": "date-time"}}}
    ], "description": "close for a while (with a reason) or reopen; removal is DELETE"});
}

/// The detailed facts are flat in a toilet and in the bodies that write
/// one (`#[serde(flatten)]`), which utoipa states as an `allOf` of two
/// schemas. Clients read a flat object more easily, and a body that
/// refuses unknown fields can say so only as one object: the facts'
/// properties are merged into the schema that holds them.
fn inline_details(schemas: &mut Value) {
    let facts: Vec<(String, Value)> = ["Details", "DetailsChange"]
        .iter()
        .map(|name| {
            (
                format!("#/components/schemas/{name}"),
                schemas[name]["properties"].clone(),
            )
        })
        .collect();
    let Some(all) = schemas.as_object_mut() else {
        return;
    };
    for (name, schema) in all.iter_mut() {
        let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) else {
            continue;
        };
        let mut merged = serde_json::Map::new();
        parts.retain(
            |part| match facts.iter().find(|(r, _)| part["$ref"] == **r) {
                Some((_, properties)) => {
                    merged.extend(properties.as_object().cloned().unwrap_or_default());
                    false
                }
                None => true,
            },
        );
        if merged.is_empty() {
            continue;
        }
        if let Some(own) = parts
            .iter_mut()
            .find_map(|p| p.get_mut("properties").and_then(Value::as_object_mut))
        {
            own.extend(merged);
        }
        if let [only] = parts.as_slice() {
            *schema = only.clone();
        }
        // Request bodies refuse fields they do not know.
        if matches!(name.as_str(), "ToiletDraft" | "ToiletPatch") {
            schema["additionalProperties"] = json!(false);
        }
    }
}

/// Applies the rules to every operation of `doc`.
pub(super) fn complete(doc: &mut Value) {
    bodies(&mut doc["components"]["schemas"]);
    let schemes = &mut doc["components"]["securitySchemes"];
    schemes["bearer"] = json!({"type": "http", "scheme": "bearer",
        "description": "a session token from POST /api/v1/session with `\"bearer\": true`"});
    schemes["session_cookie"] = json!({"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE,
        "description": "the web app's session, set by POST /api/v1/session"});
    schemes["csrf"] = json!({"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
        "description": "the session's CSRF token (from the sign-in answer); writes by cookie need it"});
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, operations) in paths.iter_mut() {
        let Some(operations) = operations.as_object_mut() else {
            continue;
        };
        for (method, op) in operations.iter_mut() {
            complete_operation(path, method, op);
        }
    }
}

fn complete_operation(path: &str, method: &str, op: &mut Value) {
    let read = method == "get";
    let sign_in = path == "/api/v1/session" && method == "post";
    let had = |status: &str| op["responses"].get(status).is_some();
    // A protected operation already says 401; sign-in's 401 is a wrong password.
    let protected = had("401") && !sign_in;
    let mut statuses: Vec<&str> = Vec::new();
    if protected {
        statuses.extend(["401", "403"]);
        op["security"] = if read {
            json!([{"bearer": []}, {"session_cookie": []}])
        } else {
            json!([{"bearer": []}, {"session_cookie": [], "csrf": []}])
        };
    }
    let json_body = op
        .pointer("/requestBody/content/application~1json")
        .is_some();
    if op.get("requestBody").is_some() {
        statuses.extend(["400", "413"]);
    }
    if json_body {
        statuses.push("415");
    }
    if read && path.starts_with("/api/") {
        statuses.push("429");
    }
    if let Some(parameters) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in parameters.iter_mut() {
            let name = p["name"].as_str().unwrap_or_default().to_owned();
            match p["in"].as_str() {
                Some("path") if name == "id" && !path.starts_with("/api/v1/imports/") => {
                    p["schema"] = id_schema();
                    statuses.extend(["400", "404"]);
                }
                Some("path") => statuses.push("404"),
                Some("query") => {
                    statuses.push("400");
                    if let Some(schema) = query_schema(path, &name) {
                        p["schema"] = schema;
                    }
                }
                _ => {}
            }
        }
    }
    if sign_in {
        statuses.extend(["400", "415", "429", "503"]);
    }
    // A body may name an organisation that does not exist.
    let body = op
        .pointer("/requestBody/content/application~1json/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next());
    if body.is_some_and(|b| NAMING_AN_ORG.contains(&b)) {
        statuses.push("404");
    }
    let responses = &mut op["responses"];
    for status in statuses {
        if responses.get(status).is_none() {
            responses[status] = error(meaning(status));
        }
    }
    // Every error answer carries the error body, whatever its annotation said.
    if let Some(responses) = responses.as_object_mut() {
        for (status, response) in responses.iter_mut() {
            let is_error = status.starts_with('4') || status.starts_with('5');
            if is_error && response.get("content").is_none() {
                let description = response["description"]
                    .as_str()
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| meaning(status))
                    .to_owned();
                *response = error(&description);
            }
        }
    }
}
