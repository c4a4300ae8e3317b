//! A small typed LDAP filter. Values are escaped when the filter is written out, so code that
//! builds a [`Filter`] cannot forget to escape.

use std::fmt;

use super::Entry;
use super::escape::filter_value;

/// An LDAP search filter over attribute names fixed in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `(attr=value)`
    Eq(&'static str, String),
    /// `(attr=value*)`
    Prefix(&'static str, String),
    /// `(attr=*)`
    Present(&'static str),
    /// `(&...)`
    And(Vec<Filter>),
    /// `(|...)`
    Or(Vec<Filter>),
    /// `(!...)`
    Not(Box<Filter>),
}

impl Filter {
    /// `(attr=value)`, value escaped.
    pub fn eq(attr: &'static str, value: impl Into<String>) -> Filter {
        Filter::Eq(attr, value.into())
    }

    /// `(attr=value*)`, value escaped.
    pub fn prefix(attr: &'static str, value: impl Into<String>) -> Filter {
        Filter::Prefix(attr, value.into())
    }

    /// `(&(objectClass=class)self)`.
    pub fn with_class(self, class: &'static str) -> Filter {
        Filter::And(vec![Filter::eq("objectClass", class), self])
    }

    /// Whether `entry` matches, values compared without regard to case as the usual
    /// matching rules of uid, cn, mail and objectClass do; for stores that are not LDAP.
    pub fn matches(&self, entry: &Entry) -> bool {
        match self {
            Filter::Eq(attr, value) => entry
                .values(attr)
                .iter()
                .any(|v| v.to_lowercase() == value.to_lowercase()),
            Filter::Prefix(attr, value) => entry
                .values(attr)
                .iter()
                .any(|v| v.to_lowercase().starts_with(&value.to_lowercase())),
            Filter::Present(attr) => !entry.values(attr).is_empty(),
            Filter::And(parts) => parts.iter().all(|p| p.matches(entry)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(entry)),
            Filter::Not(inner) => !inner.matches(entry),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Eq(attr, value) => write!(f, "({attr}={})", filter_value(value)),
            Filter::Prefix(attr, value) => write!(f, "({attr}={}*)", filter_value(value)),
            Filter::Present(attr) => write!(f, "({attr}=*)"),
            Filter::And(parts) => {
                f.write_str("(&")?;
                parts.iter().try_for_each(|p| p.fmt(f))?;
                f.write_str(")")
            }
            Filter::Or(parts) => {
                f.write_str("(|")?;
                parts.iter().try_for_each(|p| p.fmt(f))?;
                f.write_str(")")
            }
            Filter::Not(inner) => write!(f, "(!{inner})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injection_stays_a_value() {
        let filter = Filter::Or(vec![
            Filter::eq("uid", "*)(uid=*"),
            Filter::prefix("cn", "x)(|(cn=*"),
        ])
        .with_class("posixAccount");
        assert_eq!(
            filter.to_string(),
            r"(&(objectClass=posixAccount)(|(uid=\2a\29\28uid=\2a)(cn=x\29\28|\28cn=\2a*)))"
        );
    }
}
