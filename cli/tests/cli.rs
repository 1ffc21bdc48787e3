//! The `securegen` binary, run as a process: exit codes, standard output and standard error.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shop() -> PathBuf {
    root().join("examples/shop/securegen.yaml")
}

fn fixture(kind: &str, name: &str) -> PathBuf {
    root().join("model/tests/fixtures").join(kind).join(name)
}

fn securegen(args: &[&str], dir: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_securegen"));
    cmd.args(args).env_remove("NO_COLOR");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    cmd.output().expect("securegen runs")
}

fn run(args: &[&str]) -> Output {
    securegen(args, None)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A fresh directory under the target dir, removed and recreated.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn check_accepts_the_reference_spec_with_its_warning() {
    let o = run(&["check", path(&shop())]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning[anyone-access]"), "{err}");
    assert!(err.contains("securegen.yaml:46:16"), "{err}");
    assert!(err.contains("is valid: 2 resources, 1 warning"), "{err}");
    assert!(!err.contains('\u{1b}'), "no colour when stderr is not a terminal");
    assert_eq!(stdout(&o), "");
}

#[test]
fn deny_warnings_turns_lints_into_failures() {
    let o = run(&["check", "--deny-warnings", path(&shop())]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("--deny-warnings is set"), "{}", stderr(&o));
    let clean = run(&["check", "--deny-warnings", path(&fixture("valid", "minimal.yaml"))]);
    assert_eq!(code(&clean), 0, "{}", stderr(&clean));
}

#[test]
fn check_reports_every_error_with_its_location_and_exits_1() {
    let file = fixture("invalid", "85-multi-access-errors.yaml");
    let o = run(&["check", path(&file)]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    for code in ["owner-role-without-owner", "empty-grant", "anyone-write", "unknown-role"] {
        assert!(err.contains(&format!("error[{code}]")), "{code} missing:\n{err}");
    }
    assert!(err.contains("85-multi-access-errors.yaml:23:16"), "{err}");
    assert!(err.contains("hint: did you mean `curator`?"), "{err}");
    assert!(err.contains("is invalid: 4 errors"), "{err}");
}

#[test]
fn check_json_is_one_machine_readable_document() {
    let o = run(&["check", "--format", "json", path(&fixture("invalid", "10-unknown-field-key.yaml"))]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "unknown-key");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "resources.contact.fields.internal_note.redcat");
    assert_eq!(d["location"]["line"], 21);
    assert_eq!(d["location"]["column"], 9);
    assert_eq!(d["hint"], "did you mean `redact`?");
    assert_eq!(stderr(&o), "");
}

#[test]
fn check_reads_securegen_yaml_in_the_current_directory_by_default() {
    let dir = scratch("default-file");
    let missing = securegen(&["check"], Some(&dir));
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("cannot read `securegen.yaml`"), "{}", stderr(&missing));
    std::fs::copy(shop(), dir.join("securegen.yaml")).expect("copy");
    let o = securegen(&["check"], Some(&dir));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn io_and_usage_errors_exit_2() {
    let o = run(&["check", "/definitely/not/here.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).starts_with("error: cannot read `/definitely/not/here.yaml`"), "{}", stderr(&o));

    let dir = scratch("binary");
    std::fs::write(dir.join("bin.yaml"), [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let o = run(&["check", path(&dir.join("bin.yaml"))]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is not UTF-8 text"), "{}", stderr(&o));

    let o = run(&["check", "--format", "xml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("invalid value 'xml'"), "{}", stderr(&o));
    assert_eq!(code(&run(&["frobnicate"])), 2);
}

#[test]
fn colour_is_opt_in_off_a_terminal() {
    let o = run(&["check", "--color", "always", path(&fixture("invalid", "46-unknown-role-near-miss.yaml"))]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("\u{1b}[1;31merror"), "{}", stderr(&o));
}

#[test]
fn explain_prints_the_matrix_in_three_formats() {
    let text = run(&["explain", path(&shop())]);
    assert_eq!(code(&text), 0, "{}", stderr(&text));
    insta::assert_snapshot!("explain_shop_text", stdout(&text));

    let md = run(&["explain", "--format", "markdown", path(&shop())]);
    assert_eq!(code(&md), 0);
    assert!(stdout(&md).starts_with("# Access matrix of `shop`"), "{}", stdout(&md));
    assert!(stdout(&md).contains("| action | anyone | authenticated | user | admin |"));

    let json = run(&["explain", "--format", "json", path(&shop())]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json");
    let order = &v["resources"][0];
    assert_eq!(order["resource"], "order");
    assert_eq!(order["callers"], serde_json::json!(["anyone", "authenticated", "user", "admin"]));
    // `delete: [admin]`: only admin, on every row.
    assert_eq!(order["actions"][4]["cells"], serde_json::json!(["never", "never", "never", "always"]));
    // `read: [owner, admin]`: users see their own rows.
    assert_eq!(order["actions"][1]["cells"], serde_json::json!(["never", "own_rows", "own_rows", "always"]));
}

#[test]
fn explain_refuses_an_invalid_spec_with_its_errors() {
    let o = run(&["explain", path(&fixture("invalid", "39-owner-field-missing.yaml"))]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("error[owner-field]"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn schema_goes_to_stdout_or_a_file() {
    let o = run(&["schema"]);
    assert_eq!(code(&o), 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(printed["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(printed["definitions"]["RawField"]["properties"]["redact"].is_object());

    let dir = scratch("schema-out");
    let out = dir.join("securegen.schema.json");
    let o = run(&["schema", "--output", path(&out)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(written, printed);

    let o = run(&["schema", "--output", "/definitely/not/here/schema.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
}

#[test]
fn help_describes_every_command() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    for cmd in ["check", "explain", "schema"] {
        assert!(help.contains(cmd), "{help}");
    }
    assert!(help.contains("Exit codes: 0 success, 1 findings"), "{help}");
}

#[test]
fn audit_cites_spec_lines_and_diff_exits_1_when_exposure_grows() {
    let o = run(&["audit", path(&shop())]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("API1:2023   answered rows are scoped to their owner `owner_id`"), "{text}");
    assert!(text.contains("securegen.yaml:19)"), "the owner rule's line: {text}");
    let json = run(&["audit", "--format", "json", path(&shop())]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json");
    assert_eq!(v[0]["findings"].as_array().map(Vec::len), Some(10));

    let dir = scratch("diff");
    let wider = dir.join("wider.yaml");
    let src = std::fs::read_to_string(shop()).expect("shop").replacen(
        "      delete: [admin]\n    limits",
        "      delete: [user, admin]\n    limits",
        1,
    );
    std::fs::write(&wider, src).expect("write");
    let grows = run(&["diff", path(&shop()), path(&wider)]);
    assert_eq!(code(&grows), 1, "{}", stderr(&grows));
    assert!(stdout(&grows).contains("+ [order] user may delete every row (was nothing)"), "{}", stdout(&grows));
    assert!(stderr(&grows).contains("exposure grows: 1 widening change(s)"), "{}", stderr(&grows));
    let narrows = run(&["diff", path(&wider), path(&shop())]);
    assert_eq!(code(&narrows), 0, "{}", stdout(&narrows));
    assert!(stdout(&narrows).starts_with("- [order]"), "{}", stdout(&narrows));
    let invalid = run(&["diff", path(&shop()), path(&fixture("invalid", "46-unknown-role-near-miss.yaml"))]);
    assert_eq!(code(&invalid), 2);

    // Schema changes are listed beside exposure changes: what `generate` would migrate.
    let evolved = dir.join("evolved.yaml");
    let src = std::fs::read_to_string(shop()).expect("shop").replacen(
        "      internal_note: { type: string, redact: true, optional: true, write: [update], write_roles: [admin] }\n",
        "      note:          { type: string, optional: true, write: [create, update] }\n",
        1,
    );
    std::fs::write(&evolved, src).expect("write");
    let schema = run(&["diff", path(&shop()), path(&evolved)]);
    let text = stdout(&schema);
    assert!(text.contains("schema:\n"), "{text}");
    assert!(text.contains("~ [order] add field `order.note` (text, optional)"), "{text}");
    assert!(text.contains("~ [order] drop field `order.internal_note`"), "{text}");
    assert!(text.contains("! destructive: drops field `order.internal_note`"), "{text}");
    let json = run(&["diff", "--format", "json", path(&shop()), path(&evolved)]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json");
    let destructive: Vec<&str> = v["schema"]
        .as_array()
        .expect("schema")
        .iter()
        .filter(|c| !c["destructive"].is_null())
        .filter_map(|c| c["what"].as_str())
        .collect();
    assert_eq!(destructive, ["drop field `order.internal_note`"], "{v}");
    assert!(v["exposure"].as_array().is_some_and(|e| !e.is_empty()), "{v}");
    let same = run(&["diff", path(&shop()), path(&shop())]);
    assert!(!stdout(&same).contains("schema:"), "no layout change, no schema section: {}", stdout(&same));
}

#[test]
fn expand_prints_what_the_macro_writes_for_each_annotated_struct() {
    let app = root().join("examples/annotated/src/lib.rs");
    let all = run(&["expand", path(&app)]);
    assert_eq!(code(&all), 0, "{}", stderr(&all));
    let text = stdout(&all);
    for item in ["struct Project", "struct Notice", "Resource for Project", "Resource for Notice", "ProjectCreate"] {
        assert!(text.contains(item), "`{item}` is not in the expansion:\n{text}");
    }
    let body: String = text.lines().filter(|l| !l.starts_with("// ----")).collect::<Vec<_>>().join("\n");
    syn::parse_file(&body).expect("the expansion is Rust");

    let one = run(&["expand", path(&app), "--resource", "notice"]);
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    assert!(stdout(&one).contains("Resource for Notice") && !stdout(&one).contains("Resource for Project"));
    let none = run(&["expand", path(&app), "--resource", "nothing"]);
    assert_eq!(code(&none), 2, "{}", stderr(&none));
    assert!(stderr(&none).contains("no #[secure_resource] struct for resource `nothing`"), "{}", stderr(&none));

    // A struct the macro refuses: its error, located, and exit 1; the others still print.
    let dir = scratch("expand");
    let bad = dir.join("lib.rs");
    let src = std::fs::read_to_string(&app).expect("app").replacen(
        "#[secure_resource(",
        "#[secure_resource(colour = red, ",
        1,
    );
    std::fs::write(&bad, src).expect("write");
    let refused = run(&["expand", path(&bad)]);
    assert_eq!(code(&refused), 1, "{}", stdout(&refused));
    assert!(stderr(&refused).contains("`colour`"), "{}", stderr(&refused));
    assert!(stdout(&refused).contains("Resource for Notice"), "the valid struct is still expanded");
}
