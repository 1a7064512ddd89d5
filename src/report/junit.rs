//! A JUnit XML report of release gates, one test case per assertion, so
//! CI systems show the results natively.

use std::io;
use std::path::Path;

use crate::sweep::GateResult;

use crate::files::write_atomically;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Writes the results of `suite`'s gates to `path`.
pub fn write_junit(path: &Path, suite: &str, results: &[GateResult]) -> io::Result<()> {
    let failures = results.iter().filter(|r| !r.passed()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites>\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n",
        escape(suite),
        results.len()
    ));
    for r in results {
        xml.push_str(&format!("    <testcase classname=\"{}\" name=\"{}\"", escape(suite), escape(&r.name)));
        if r.passed() {
            xml.push_str("/>\n");
        } else {
            let detail = if r.checked == 0 {
                "no variant matched this assertion".to_owned()
            } else {
                r.failures.join("\n")
            };
            xml.push_str(&format!(
                ">\n      <failure message=\"{} failed\">{}</failure>\n    </testcase>\n",
                escape(&r.name),
                escape(&detail)
            ));
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    write_atomically(path, |w| w.write_all(xml.as_bytes()))
}
