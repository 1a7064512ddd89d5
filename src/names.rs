//! Enums whose values have one name each — in model files, `--set`
//! values, outputs and messages — written once, in the enum's declaration.
//!
//! [`named_enum!`] declares the enum and, from the same list, `NAMES`,
//! `name()`, `Display`, and serde's `Deserialize`/`Serialize` by those
//! names, so that no mirror enum, mapping `match` or string table can drift
//! from it. An unknown name is refused with serde's own message
//! ("unknown variant `x`, expected one of …").

/// Declares a field-less enum whose variants are named by string literals.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The names, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),*];

            /// The value's name in model files and outputs.
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                }
            }

            /// The value named `text`, if any.
            pub fn from_name(text: &str) -> Option<$name> {
                match text {
                    $( $text => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        // As serde's derive does it for a unit-only enum (so `toml` and
        // `--set` values are read, and refused, exactly as before): the
        // variant is an identifier, then a unit.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Variant($name);
                impl<'de> serde::Deserialize<'de> for Variant {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        deserializer.deserialize_identifier(Identifier)
                    }
                }
                struct Identifier;
                impl serde::de::Visitor<'_> for Identifier {
                    type Value = Variant;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("variant identifier")
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Variant, E> {
                        $name::from_name(text).map(Variant).ok_or_else(|| E::unknown_variant(text, $name::NAMES))
                    }
                }
                struct Value;
                impl<'de> serde::de::Visitor<'de> for Value {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("enum ", stringify!($name)))
                    }
                    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<$name, A::Error> {
                        let (Variant(value), variant) = data.variant::<Variant>()?;
                        serde::de::VariantAccess::unit_variant(variant)?;
                        Ok(value)
                    }
                }
                deserializer.deserialize_enum(stringify!($name), $name::NAMES, Value)
            }
        }
    };
}

pub(crate) use named_enum;

#[cfg(test)]
mod tests {
    named_enum! {
        /// A test enum.
        pub enum Colour {
            Red = "red",
            DarkBlue = "dark-blue",
        }
    }

    #[derive(Debug, serde::Deserialize, serde::Serialize, PartialEq)]
    struct Doc {
        colour: Colour,
    }

    #[test]
    fn names_read_write_and_refuse_as_declared() {
        assert_eq!(Colour::NAMES, ["red", "dark-blue"]);
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        assert_eq!(Colour::DarkBlue.to_string(), "dark-blue");
        assert_eq!(Colour::from_name("red"), Some(Colour::Red));
        let doc: Doc = toml::from_str("colour = \"dark-blue\"").unwrap();
        assert_eq!(doc, Doc { colour: Colour::DarkBlue });
        assert_eq!(toml::to_string(&doc).unwrap().trim(), "colour = \"dark-blue\"");
        let err = toml::from_str::<Doc>("colour = \"green\"").unwrap_err().to_string();
        assert!(err.contains("unknown variant `green`, expected `red` or `dark-blue`"), "{err}");
    }
}
