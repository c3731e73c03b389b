//! What the documentation tells operators to set exists: every `GONGCE_…`
//! variable named in README.md, ARCHITECTURE.md, docs/ and webapp/README.md
//! is one the binary reads (as its `--help` lists them).

use std::{collections::BTreeSet, path::Path, process::Command};

fn names(text: &str) -> BTreeSet<String> {
    text.match_indices("GONGCE_")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        // "GONGCE_…" as a family, not a name.
        .filter(|n| n.len() > "GONGCE_".len())
        .collect()
}

#[test]
fn every_documented_setting_is_one_the_binary_reads() {
    let gongce = env!("CARGO_BIN_EXE_gongce");
    let help = |args: &[&str]| {
        let out = Command::new(gongce).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Every subcommand's help, as `gongce --help` lists them.
    let top = help(&["--help"]);
    let mut read = names(&top);
    let commands = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect::<Vec<_>>();
    assert!(
        commands.contains(&"serve") && commands.contains(&"backup"),
        "{commands:?}"
    );
    for command in &commands {
        read.extend(names(&help(&[command, "--help"])));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut documents = vec![
        root.join("README.md"),
        root.join("ARCHITECTURE.md"),
        root.join("webapp/README.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            documents.push(path);
        }
    }
    let mut named = 0;
    for doc in documents {
        let text = std::fs::read_to_string(&doc).unwrap();
        for name in names(&text) {
            named += 1;
            assert!(
                read.contains(&name),
                "{} names {name}, which gongce does not read; it reads {read:?}",
                doc.display()
            );
        }
    }
    assert!(named > 15, "only {named} settings named");
}

/// The systemd units in deploy/ are ones systemd accepts (with the
/// binary where ExecStart names it), and the server's is hardened: an
/// exposure of at most 3.0 as `systemd-analyze security` scores it.
#[test]
fn the_systemd_units_verify_and_the_service_is_hardened() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let mut units = Vec::new();
    for name in [
        "gongce.service",
        "gongce-backup.service",
        "gongce-backup.timer",
    ] {
        let text = std::fs::read_to_string(root.join("deploy/systemd").join(name)).unwrap();
        let here = dir.path().join(name);
        std::fs::write(
            &here,
            text.replace("/usr/local/bin/gongce", env!("CARGO_BIN_EXE_gongce")),
        )
        .unwrap();
        units.push(here);
    }
    let analyze = |args: &[&str], units: &[std::path::PathBuf]| {
        Command::new("systemd-analyze")
            .args(args)
            .args(units)
            .output()
            .expect("systemd-analyze (Debian's systemd package)")
    };
    let verified = analyze(&["verify", "--man=no"], &units);
    assert!(
        verified.status.success() && verified.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let security = analyze(
        &["security", "--offline=true", "--threshold=30", "--no-pager"],
        &units[..1],
    );
    assert!(
        security.status.success(),
        "{}",
        String::from_utf8_lossy(&security.stdout)
    );
    let unit = std::fs::read_to_string(&units[0]).unwrap();
    for line in [
        "DynamicUser=yes",
        "StateDirectory=gongce",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "Restart=on-failure",
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "gongce.service lacks {line}"
        );
    }
}
