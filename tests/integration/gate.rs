//! Release gates: `outage-sim assert` passes the fixed shop, fails the
//! misconfigured one naming what failed, and writes JUnit XML.

use std::fs;

use crate::support::{cli, root};

fn gate(model: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let text = fs::read_to_string(root().join("experiments/release-gate.toml")).unwrap();
    let path = dir.join("gate.toml");
    let model = root().join("models").join(model);
    fs::write(&path, text.replace("../models/incident-fixed.toml", &model.display().to_string())).unwrap();
    path
}

/// Test cases of a JUnit file, after checking it parses as XML.
fn test_cases(path: &std::path::Path) -> Vec<(String, bool)> {
    let xml = fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases: Vec<(String, bool)> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                if e.name().as_ref() == b"testcase" {
                    let name = e
                        .attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref() == b"name")
                        .map(|a| a.unescape_value().unwrap().into_owned())
                        .unwrap();
                    cases.push((name, true));
                } else if e.name().as_ref() == b"failure" {
                    cases.last_mut().unwrap().1 = false;
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    cases
}

#[test]
fn the_fixed_shop_passes_its_gate() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    cli()
        .arg("assert")
        .arg(root().join("experiments/release-gate.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(0);
    let cases = test_cases(&junit);
    assert_eq!(cases.len(), 5, "one test case per assertion: {cases:?}");
    assert!(cases.iter().all(|(_, passed)| *passed));
    assert_eq!(cases[0].0, "all: error_rate < 0.01");
}

#[test]
fn the_misconfigured_shop_fails_it_naming_the_failures() {
    let dir = tempfile::tempdir().unwrap();
    let path = gate("incident-2023-06-20.toml", dir.path());
    let junit = dir.path().join("gate.xml");
    let assert = cli()
        .arg("assert")
        .arg(&path)
        .arg("--junit")
        .arg(&junit)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for needle in [
        "FAIL  all: error_rate < 0.01",
        "FAIL  all: good_ratio >= 0.99",
        "FAIL  all: user_p99_ms < 500",
        "FAIL  all: stale_ratio < 0.005",
        "FAIL  all: recovered >= 1",
    ] {
        assert!(stdout.contains(needle), "stdout lacks {needle:?}:\n{stdout}");
    }
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("5 of 5 assertions failed"), "{stderr}");
    let failed: Vec<String> = test_cases(&junit).into_iter().filter(|(_, p)| !p).map(|(n, _)| n).collect();
    assert_eq!(failed.len(), 5, "{failed:?}");
}

/// The p99 of successes alone passes a shop where half the requests fail:
/// that is why the shipped gate asserts on the user's view instead.
#[test]
fn a_gate_on_the_p99_of_successes_would_pass_the_outage() {
    let dir = tempfile::tempdir().unwrap();
    let path = gate("incident-2023-06-20.toml", dir.path());
    let text = fs::read_to_string(&path).unwrap();
    let only = text.split("[[assert]]").next().unwrap().to_owned()
        + "[[assert]]\nmetric = \"p99_ms\"\nop = \"<\"\nvalue = 500.0\n";
    fs::write(&path, only).unwrap();
    let assert = cli().arg("assert").arg(&path).arg("--out").arg(dir.path().join("out")).assert().code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("PASS  all: p99_ms < 500"), "{stdout}");
}

#[test]
fn bad_gates_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gate.toml");
    let model = root().join("models/webshop.toml");
    fs::write(
        &path,
        format!(
            "model = \"{}\"\n[[assert]]\nmetric = \"latency\"\nop = \"<\"\nvalue = 1.0\n",
            model.display()
        ),
    )
    .unwrap();
    let assert = cli().arg("assert").arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("{}:2:1: assert.0: `latency` is not a summary metric", path.display())),
        "{stderr}"
    );
    fs::write(&path, format!("model = \"{}\"\n", model.display())).unwrap();
    let assert = cli().arg("assert").arg(&path).assert().code(2);
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("no [[assert]] entries"));
}
