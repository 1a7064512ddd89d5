//! Quoting input in messages: a message says which value was wrong, but
//! never echoes a megabyte of it or raw control bytes to a terminal.

/// At most `max` characters of `text`, escaped and quoted (`"ab\0c"…`).
pub fn excerpt(text: &str, max: usize) -> String {
    let short: String = text.chars().take(max).collect();
    let more = if text.chars().count() > max { "…" } else { "" };
    format!("{short:?}{more}")
}

/// `text` itself when short and printable, else its [`excerpt`].
pub fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() <= max && !text.chars().any(char::is_control) {
        text.to_owned()
    } else {
        excerpt(text, max)
    }
}

/// A message with every `` `quoted` `` part (serde quotes the offending
/// key or value so) [`bounded`], and any control character escaped.
pub fn bounded_message(message: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            // Inside backticks already: escaped and cut, without the
            // quotes an excerpt adds.
            if part.chars().count() <= max && !part.chars().any(char::is_control) {
                out.push_str(part);
            } else {
                let short: String = part.chars().take(max).collect();
                out.extend(short.chars().flat_map(char::escape_debug));
                if part.chars().count() > max {
                    out.push('…');
                }
            }
        } else {
            for c in part.chars() {
                if c.is_control() && c != '\n' {
                    out.extend(c.escape_debug());
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_raw_input_is_cut_and_escaped() {
        assert_eq!(excerpt("a\0b", 60), r#""a\0b""#);
        assert_eq!(excerpt(&"x".repeat(100), 3), r#""xxx"…"#);
        assert_eq!(bounded("cache.ttl_s", 60), "cache.ttl_s");
        assert_eq!(bounded(&"k".repeat(70), 4), r#""kkkk"…"#);
        let message = format!("unknown variant `{}`, expected one of `lru`, `fifo`", "q".repeat(1000));
        assert_eq!(bounded_message(&message, 5), "unknown variant `qqqqq…`, expected one of `lru`, `fifo`");
        assert_eq!(bounded_message("bad `a\u{1}b` here\u{7}", 60), r"bad `a\u{1}b` here\u{7}");
        assert_eq!(bounded_message("expected `\"`", 60), "expected `\"`", "a short quote is kept whole");
    }
}
