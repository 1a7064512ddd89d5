//! A row of named metrics: a struct whose fields are its columns, declared
//! once with [`metric_row!`] so that the column names, the CSV header
//! (serde), reading a column by name (alerts, gates) and how a column is
//! aggregated over replications cannot disagree.

/// How a column is aggregated over a sweep's replications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Mean and 95 % confidence half-width: `NAME_mean`, `NAME_ci95`.
    Mean,
    /// The share of replications where it holds: `NAME_share`.
    Share,
    /// Not aggregated (the seed, a status, a text).
    Not,
}

/// A column's value as a number: counts and shares alike; `None` where the
/// metric is undefined (no requests in the window, say), or has no number.
pub trait Number {
    fn number(&self) -> Option<f64>;
    /// How a column of this type is aggregated, unless its declaration
    /// says otherwise.
    const AGGREGATE: Aggregate = Aggregate::Mean;
}

impl Number for bool {
    fn number(&self) -> Option<f64> {
        Some(if *self { 1.0 } else { 0.0 })
    }
    const AGGREGATE: Aggregate = Aggregate::Share;
}

impl Number for Option<String> {
    fn number(&self) -> Option<f64> {
        None
    }
    const AGGREGATE: Aggregate = Aggregate::Not;
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
/// order, which serde writes as the CSV header), `AGGREGATES` (how each is
/// aggregated over replications: by its type, or `[Not]` / `[Mean]` /
/// `[Share]` before `pub` to say otherwise) and `reader(name)`, the
/// function that reads a column: looked up once, then as cheap as a field
/// access per row.
macro_rules! metric_row {
    (@aggregate $ty:ty) => { <$ty as $crate::metrics::row::Number>::AGGREGATE };
    (@aggregate $ty:ty, $how:ident) => { $crate::metrics::row::Aggregate::$how };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $([$how:ident])? pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl $name {
            /// The columns, in the order they are written.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Each column and how it is aggregated over replications.
            pub const AGGREGATES: &'static [(&'static str, $crate::metrics::row::Aggregate)] =
                &[$((stringify!($field), $crate::metrics::row::metric_row!(@aggregate $ty $(, $how)?))),*];

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

/// The CSV header serde writes for a row of type `R` (tests tie it to the
/// row's `COLUMNS`).
#[cfg(test)]
pub fn csv_header<R: serde::Serialize + Default>() -> Vec<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.serialize(R::default()).expect("a flat row");
    let text = String::from_utf8(writer.into_inner().expect("in memory")).expect("ASCII");
    text.lines().next().unwrap_or_default().split(',').map(str::to_owned).collect()
}
