//! The settings the docs write are the settings the binary reads: every
//! `GONGCE_…` name in README.md and docs/ is one the binary knows, and
//! every `GONGCE_…=value` there is accepted by `gongce check-config` (or,
//! for import settings, by a dry-run import).

use std::{collections::BTreeSet, path::Path, process::Command};

use crate::GONGCE;

/// Variables the docs may name that configure tests and tools, not the binary.
const NOT_THE_BINARY: [&str; 5] = [
    "GONGCE_TEST_POSTGRES",
    "GONGCE_REQUIRE_POSTGRES",
    "GONGCE_BIN",
    "GONGCE_SHARED_DIR",
    "GONGCE_READ_LIMIT",
];

fn docs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect()
}

/// `NAME` and, when the text sets it, its value, for every `GONGCE_NAME`.
fn mentions(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("GONGCE_") {
        let tail = &rest[at..];
        let name_len = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..name_len].trim_end_matches('_').to_owned();
        let after = &tail[name_len..];
        let value = after.strip_prefix('=').map(|v| {
            if let Some(q) = v.strip_prefix('"') {
                q[..q.find('"').unwrap_or(q.len())].to_owned()
            } else if let Some(q) = v.strip_prefix('\'') {
                q[..q.find('\'').unwrap_or(q.len())].to_owned()
            } else {
                v[..v
                    .find(|c: char| c.is_whitespace() || c == '`' || c == '|')
                    .unwrap_or(v.len())]
                    .to_owned()
            }
        });
        out.push((name, value));
        rest = &tail[name_len..];
    }
    out
}

/// The variables a subcommand reads, from its `--help`.
fn known(subcommand: &str) -> BTreeSet<String> {
    let help = Command::new(GONGCE)
        .args([subcommand, "--help"])
        .output()
        .unwrap();
    mentions(&String::from_utf8_lossy(&help.stdout))
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn every_setting_the_docs_write_is_one_the_binary_accepts() {
    let serve = known("check-config");
    let import = known("import");
    assert!(serve.contains("GONGCE_TRUSTED_PROXIES") && import.contains("GONGCE_TIMEZONE"));
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "name,lat,lon\nA,31.23,121.47\n").unwrap();
    let mut checked = 0;
    for (file, text) in docs() {
        for (name, value) in mentions(&text) {
            if NOT_THE_BINARY.contains(&name.as_str()) {
                continue;
            }
            assert!(
                serve.contains(&name) || import.contains(&name),
                "{file} names {name}, which gongce does not read"
            );
            let Some(value) = value.filter(|v| !v.is_empty() && !v.contains('…')) else {
                continue;
            };
            let mut command = Command::new(GONGCE);
            if serve.contains(&name) {
                command.args(["check-config", "--database-url", "sqlite:x.sqlite"]);
            } else {
                command
                    .args(["import", "--dry-run", "--database-url"])
                    .arg(format!("sqlite:{}", dir.path().join("x.sqlite").display()));
                command.arg(&list);
            }
            // The web app folder named in the docs is not here.
            if name != "GONGCE_WEBAPP_DIR" {
                command.env_remove("GONGCE_WEBAPP_DIR");
            } else {
                continue;
            }
            let out = command.env(&name, &value).output().unwrap();
            assert!(
                out.status.success(),
                "{file}: {name}={value} is refused: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} settings checked");
}

#[test]
fn check_config_names_the_bad_setting() {
    let out = Command::new(GONGCE)
        .arg("check-config")
        .env("GONGCE_SECURE_COOKIES", "maybe")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'maybe'") && err.contains("--secure-cookies"),
        "{err}"
    );
    let out = Command::new(GONGCE)
        .arg("check-config")
        .env("GONGCE_TRUST_FORWARDED_FOR", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GONGCE_TRUSTED_PROXIES"));
    for yes in ["1", "yes", "on", "true"] {
        let out = Command::new(GONGCE)
            .arg("check-config")
            .env("GONGCE_SECURE_COOKIES", yes)
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("secure cookies   true"),
            "{yes}"
        );
    }
}
