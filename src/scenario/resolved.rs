//! The resolved model as `check` prints it: every key with its value,
//! defaults included, and every optional key left out as a comment saying
//! what its absence means — so a reader sees all there is to set.

use super::raw::RawModel;

/// Optional keys by section: the key as written, and what absent means.
const ABSENT: &[(&str, &str, &str)] = &[
    (
        "workload",
        "trace",
        "requests are drawn from popularity and read_fraction; with a path, an access log is replayed",
    ),
    ("workload", "trace_format", "\"csv\": rows t_s,key,op[,size] (applies only with trace)"),
    (
        "workload",
        "trace_bad_rows",
        "\"error\": a malformed row stops with its line (applies only with trace)",
    ),
    (
        "clients",
        "rate_file",
        "arrivals follow rate_rps; with a path, a measured rate series (CSV or Prometheus JSON)",
    ),
    ("clients", "rate_scale", "1 (applies only with rate_file)"),
    ("clients", "users", "open loop at rate_rps; a number of users makes it a closed loop"),
    ("clients", "think_ms", "1000 (applies only with users)"),
    ("clients", "timeout_ms", "an attempt waits as long as it takes"),
    ("clients", "retry_budget_ratio", "retries are not budgeted"),
    ("clients", "[[clients.schedule]]", "the rate stays rate_rps (1×) throughout"),
    ("cache", "ttl_s", "entries never expire"),
    ("cache", "servers", "lookups are served in parallel without limit"),
    ("cache", "lease_wait_ms", "10 (applies only with invalidation = \"lease\")"),
    ("cache", "lease_ttl_ms", "10000 (applies only with invalidation = \"lease\")"),
    ("cache", "early_refresh_beta", "1 (applies only with stampede = \"early-refresh\")"),
    ("cache", "stale_window_s", "10 (applies only with stampede = \"stale-while-revalidate\")"),
    ("db", "queue_limit", "the waiting line is unbounded"),
    ("db", "queue_timeout_ms", "waiting queries are never shed"),
    ("", "[[faults]]", "no faults"),
    ("", "[[alerts]]", "no alert rules"),
    ("", "[[changes]]", "the configuration stays as written throughout"),
];

/// `raw` as TOML, every key spelled out.
pub fn resolved_toml(raw: &RawModel) -> String {
    let text = toml::to_string(raw).expect("the raw model is plain TOML data");
    // Blocks: a header line (none for the first) and the lines up to the next.
    let mut blocks: Vec<(String, Vec<&str>)> = vec![(String::new(), Vec::new())];
    for line in text.lines() {
        if line.starts_with('[') {
            blocks.push((line.trim_matches(|c| c == '[' || c == ']').to_owned(), vec![line]));
        } else {
            blocks.last_mut().expect("a first block").1.push(line);
        }
    }
    let headers: Vec<String> = blocks.iter().map(|(h, _)| format!("[[{h}]]")).collect();
    let mut out = String::new();
    for (section, lines) in &blocks {
        // A section's comments go after its own keys, before the blank line
        // that precedes the next header.
        let keys =
            lines.iter().filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim())).collect::<Vec<_>>();
        let body_end = lines.iter().rposition(|l| !l.is_empty()).map_or(0, |i| i + 1);
        for line in &lines[..body_end] {
            out.push_str(line);
            out.push('\n');
        }
        if !section.is_empty() && !section.contains('.') {
            let absent = |key: &&str| !keys.contains(key) && !headers.iter().any(|h| h == key);
            for (_, key, meaning) in ABSENT.iter().filter(|(s, key, _)| s == section && absent(key)) {
                out.push_str(&format!("# {key} — absent: {meaning}\n"));
            }
        }
        for line in &lines[body_end..] {
            out.push_str(line);
            out.push('\n');
        }
    }
    let missing: Vec<_> =
        ABSENT.iter().filter(|(s, key, _)| s.is_empty() && !headers.iter().any(|h| h == key)).collect();
    if !missing.is_empty() {
        out.push('\n');
    }
    for (_, key, meaning) in missing {
        out.push_str(&format!("# {key} — absent: {meaning}\n"));
    }
    out
}

/// Whether `path` (`cache.ttl_s`, `faults`) names a key of the model:
/// one with a default, or an optional one.
pub fn is_model_key(path: &str) -> bool {
    let (section, key) = path.rsplit_once('.').unwrap_or(("", path));
    let array = format!("[[{path}]]");
    if ABSENT.iter().any(|(s, k, _)| (*s == section && *k == key) || *k == array) {
        return true;
    }
    let defaults = toml::to_string(&RawModel::default()).expect("the raw model is plain TOML data");
    let mut current = String::new();
    for line in defaults.lines() {
        if let Some(header) = line.strip_prefix('[') {
            current = header.trim_matches(|c| c == '[' || c == ']').to_owned();
            if current == path {
                return true;
            }
        } else if let Some((k, _)) = line.split_once(" = ")
            && current == section
            && k.trim() == key
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every optional key appears: as a value when set, as a comment when not.
    #[test]
    fn every_optional_key_is_shown() {
        let text = resolved_toml(&RawModel::default());
        for (_, key, _) in ABSENT {
            assert!(text.contains(&format!("# {key} — absent: ")), "{key} missing:\n{text}");
        }
        // The comments sit in their section, before its sub-tables.
        let cache = text.find("[cache]\n").unwrap();
        let ttl = text.find("# ttl_s — absent").unwrap();
        let lookup = text.find("[cache.lookup]").unwrap();
        assert!(cache < ttl && ttl < lookup, "{text}");
        // And what the file sets is not repeated as absent.
        let raw: RawModel = toml::from_str("[cache]\nttl_s = 60.0\n").unwrap();
        let text = resolved_toml(&raw);
        assert!(text.contains("ttl_s = 60.0") && !text.contains("# ttl_s"), "{text}");
        // The resolved text still parses as the same model.
        let again: RawModel = toml::from_str(&text).unwrap();
        assert_eq!(toml::to_string(&again).unwrap(), toml::to_string(&raw).unwrap());
    }

    #[test]
    fn model_keys_are_known() {
        for key in [
            "cache.ttl_s",
            "clients.timeout_ms",
            "db.servers",
            "run.seed",
            "faults",
            "clients.schedule",
            "db.read",
        ] {
            assert!(is_model_key(key), "{key}");
        }
        for key in ["cache.tll_s", "nope", "db.read.mean"] {
            assert!(!is_model_key(key), "{key}");
        }
    }
}
