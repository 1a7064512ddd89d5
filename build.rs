//! Records the git commit the binary is built from, for `experiment.json`.
//! Outside a git checkout (or without git) nothing is recorded.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok());
    if let Some(commit) = commit {
        println!("cargo:rustc-env=OUTAGE_SIM_GIT_COMMIT={}", commit.trim());
    }
}
