//! A row of named metrics: a struct whose fields are its columns, declared
//! once with [`metric_row!`] so that the column names, the CSV header
//! (serde) and reading a column by name (alerts, gates) cannot disagree.

/// A column's value as a number: counts and shares alike; `None` where the
/// metric is undefined (no requests in the window, say).
pub trait Number {
    fn number(&self) -> Option<f64>;
}

impl Number for f64 {
    fn number(&self) -> Option<f64> {
        Some(*self)
    }
}

impl Number for u64 {
    fn number(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl Number for Option<f64> {
    fn number(&self) -> Option<f64> {
        *self
    }
}

/// Reads one column of a row.
pub type Reader<R> = fn(&R) -> Option<f64>;

/// Declares a struct of metrics, and with it `COLUMNS` (its field names in
/// order, which serde writes as the CSV header) and `reader(name)`, the
/// function that reads a column: looked up once, then as cheap as a field
/// access per row.
macro_rules! metric_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl $name {
            /// The columns, in the order they are written.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The reader of column `name`, if the row has it.
            pub fn reader(name: &str) -> Option<$crate::metrics::row::Reader<$name>> {
                $(
                    if name == stringify!($field) {
                        return Some(|row: &$name| $crate::metrics::row::Number::number(&row.$field));
                    }
                )*
                None
            }
        }
    };
}

pub(crate) use metric_row;
