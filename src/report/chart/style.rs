//! Colours, markers, fonts and labels shared by every chart.

use plotters::prelude::*;

/// The Okabe–Ito palette, reordered so that neighbours differ in lightness
/// too: distinguishable by colour-blind readers and in greyscale.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A marker shape per series, so lines differ without colour.
#[derive(Clone, Copy)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
}

pub fn marker(i: usize) -> Marker {
    [Marker::Circle, Marker::Triangle, Marker::Square, Marker::Diamond, Marker::Cross][i % 5]
}

/// Every other series is dashed.
pub fn dashed(i: usize) -> bool {
    i % 2 == 1
}

pub const TITLE_PX: u32 = 40;
pub const LABEL_PX: u32 = 28;
pub const TICK_PX: u32 = 22;

/// The title font for `title` in `width` pixels: a title too long for
/// the width shrinks to fit rather than running off both edges (a bold
/// DejaVu character averages about half the font size; measured on the
/// shipped titles).
pub fn title_font_fitting(title: &str, width: u32) -> TextStyle<'static> {
    let px =
        (f64::from(width) * 0.95 / (0.52 * title.chars().count().max(1) as f64)).min(f64::from(TITLE_PX));
    ("sans-serif", px, FontStyle::Bold).into_font().color(&BLACK)
}

pub fn label_font() -> TextStyle<'static> {
    ("sans-serif", LABEL_PX).into_font().color(&BLACK)
}

pub fn tick_font() -> TextStyle<'static> {
    ("sans-serif", TICK_PX).into_font().color(&BLACK)
}

/// A column name or model key as an axis title in words, with its unit:
/// `clients.rate_rps` → `client rate [req/s]`, `p99_ms` → `p99 of
/// successes [ms]`, `error_rate` → `error rate (share)`.
/// An axis value as a reader wants it: a table value (`{ dist =
/// "lognormal", cv = 2 }`) without its braces and quotes.
pub fn compact_value(text: &str) -> String {
    match text.trim().strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(inner) => inner.trim().replace('"', ""),
        None => text.to_owned(),
    }
}

/// `text` in lines of at most `width` characters, broken after commas
/// (`a = 1, b = 2`), else at spaces; a part longer than `width` stays whole.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let parts = text.split_inclusive(", ").flat_map(|part| {
        let split = part.chars().count() > width;
        let words: Vec<&str> = if split { part.split_inclusive(' ').collect() } else { vec![part] };
        words
    });
    for part in parts {
        let longer = line.chars().count() + part.trim_end().chars().count();
        if !line.is_empty() && longer > width {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        line.push_str(part);
    }
    lines.push(line.trim_end().to_owned());
    lines
}

pub fn axis_label(column: &str) -> String {
    let base = column.strip_suffix("_mean").unwrap_or(column);
    let named = match base {
        "clients.rate_rps" => "client rate [req/s]",
        "clients.timeout_ms" => "client timeout [ms]",
        "clients.max_attempts" => "attempts per request (max)",
        "clients.users" => "users",
        "db.servers" => "database connections",
        "db.queue_limit" => "database queue limit [queries]",
        "db.queue_timeout_ms" => "database queue timeout [ms]",
        "cache.capacity" => "cache capacity [entries]",
        "cache.ttl_s" => "cache TTL [s]",
        "cache.eviction" => "cache eviction policy",
        "cache.lookup" => "cache lookup time",
        "db.read" => "database read time",
        "db.write" => "database write time",
        "cache.invalidation" => "cache invalidation",
        "cache.stampede" => "stampede control",
        "workload.keys" => "keys",
        "workload.zipf_s" => "Zipf exponent",
        "workload.read_fraction" => "read fraction",
        "user_p50_ms" => "p50 of all requests [ms]",
        "user_p99_ms" => "p99 of all requests [ms]",
        "user_p999_ms" => "p99.9 of all requests [ms]",
        "good_ratio" => "good ratio (share within the SLO)",
        "p50_ms" => "p50 of successes [ms]",
        "p90_ms" => "p90 of successes [ms]",
        "p99_ms" => "p99 of successes [ms]",
        "p999_ms" => "p99.9 of successes [ms]",
        "mean_ms" => "mean of successes [ms]",
        "max_ms" => "max of successes [ms]",
        "hit_ratio" => "cache hit ratio (share)",
        "stale_ratio" => "stale reads (share)",
        "recovered_share" => "share of runs recovered",
        "db_utilization" => "database utilisation (share)",
        "goodput_rps" => "goodput [req/s]",
        "cache.nodes" => "cache nodes",
        "cache.memory_mb" => "cache memory per node [MiB]",
        "cache.hashing" => "key hashing",
        "cache.on_node_loss" => "on losing a cache node",
        "hottest_node_share" => "busiest cache node's share of lookups",
        "gutter_hit_ratio" => "gutter hit ratio (share)",
        "cache_nodes_lost" => "cache nodes lost at once",
        "db.replicas" => "read replicas",
        "db.replica_lag" => "replica apply lag",
        "db.replica_lag.mean_ms" => "replica apply lag, mean [ms]",
        "db.read_from" => "reads served by",
        "db.failover_s" => "failover time [s]",
        "cache.remote_markers" => "remote markers",
        "app.instances" => "app instances",
        "app.workers" => "workers per app instance",
        "app.queue_limit" => "app accept queue [requests]",
        "app.balancer" => "load balancer",
        "app.work" => "app work time",
        "topology.zones" => "zones",
        "workload.fanout" => "keys read per page",
        "stale_fills" => "stale fills",
        "stale_fills_from_lag" => "stale fills from replica lag",
        "replica_lag_p99_ms" => "replica lag p99 [ms]",
        "stale_age_p99_ms" => "stale read age p99 [ms]",
        "db_down_errors" => "errors: database down",
        "app_down_errors" => "errors: app instance down",
        "app_utilization" => "app worker utilisation (share)",
        _ => "",
    };
    if !named.is_empty() {
        return named.to_owned();
    }
    // A fault's key (`faults.0.factor`): which fault, in the file's order.
    if let Some((index, key)) = base.strip_prefix("faults.").and_then(|rest| rest.split_once('.')) {
        let what = if key == "factor" { "factor [×]".to_owned() } else { axis_label(key) };
        return format!("fault {index}: {what}");
    }
    // A model key: its last part names the quantity.
    let base = base.rsplit('.').next().unwrap_or(base);
    let units = [
        ("_ms", " [ms]"),
        ("_rps", " [req/s]"),
        ("_s", " [s]"),
        ("_share", ""),
        ("_ratio", " (share)"),
        ("_rate", " (share)"),
        ("_utilization", " (share)"),
    ];
    for (suffix, unit) in units {
        if let Some(stem) = base.strip_suffix(suffix) {
            let words = if suffix.len() > 3 && !suffix.ends_with('s') {
                format!("{stem}{}", suffix.replace('_', " "))
            } else {
                stem.to_owned()
            };
            return format!("{}{unit}", words.replace('_', " "));
        }
    }
    base.replace('_', " ")
}

/// A number for a tick or an annotation: few digits, no float noise.
pub fn short_number(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e6 {
        format!("{:.3}M", x / 1e6).trim_end_matches('0').trim_end_matches('.').to_owned().replace(".M", "M")
    } else if a >= 1e4 {
        format!("{:.1}k", x / 1e3).replace(".0k", "k")
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}").trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        format!("{x:.3}").trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_carry_units() {
        assert_eq!(axis_label("p99_ms"), "p99 of successes [ms]");
        assert_eq!(compact_value(r#"{ dist = "lognormal", cv = 2 }"#), "dist = lognormal, cv = 2");
        assert_eq!(compact_value("lru"), "lru");
        assert_eq!(
            wrap("dist = lognormal, mean_ms = 2, cv = 2", 20),
            ["dist = lognormal,", "mean_ms = 2, cv = 2"]
        );
        assert_eq!(wrap("dist = exponential, mean_ms = 2", 18), ["dist =", "exponential,", "mean_ms = 2"]);
        assert_eq!(wrap("a = 1, b = 2, c = 3", 13), ["a = 1, b = 2,", "c = 3"]);
        assert_eq!(wrap("a = 1, b = 2, c = 3", 12), ["a = 1,", "b = 2, c = 3"]);
        assert_eq!(wrap("s3fifo", 3), ["s3fifo"]);
        assert_eq!(axis_label("user_p99_ms_mean"), "p99 of all requests [ms]");
        assert_eq!(axis_label("error_rate"), "error rate (share)");
        assert_eq!(axis_label("hit_ratio"), "cache hit ratio (share)");
        assert_eq!(axis_label("faults.0.factor"), "fault 0: factor [×]");
        assert_eq!(axis_label("faults.1.at_s"), "fault 1: at [s]");
        assert_eq!(axis_label("clients.rate_rps"), "client rate [req/s]");
        assert_eq!(axis_label("db.servers"), "database connections");
        assert_eq!(axis_label("recovered_share"), "share of runs recovered");
        assert_eq!(axis_label("cache_utilization"), "cache utilization (share)");
        assert_eq!(axis_label("recovery_s"), "recovery [s]");
        assert_eq!(axis_label("clients.backoff_base_ms"), "backoff base [ms]");
    }

    #[test]
    fn short_numbers_are_short() {
        assert_eq!(short_number(16000.0), "16k");
        assert_eq!(short_number(22627.0), "22.6k");
        assert_eq!(short_number(500.0), "500");
        assert_eq!(short_number(17.5), "17.5");
        assert_eq!(short_number(0.0125), "0.013");
        assert_eq!(short_number(0.0), "0");
    }
}
