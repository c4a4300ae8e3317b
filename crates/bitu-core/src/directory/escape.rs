//! Escaping of values placed into LDAP filters (RFC 4515) and DNs (RFC 4514). Every value
//! from outside goes through one of these; attribute names are code constants.

/// Escapes a value for an LDAP search filter: `*`, `(`, `)`, `\` and NUL become `\xx`.
pub fn filter_value(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// Escapes a value for one RDN of a DN: `,+"\<>;=`, NUL, and leading `#`/space or a trailing
/// space become `\xx`.
pub fn dn_value(value: &str) -> String {
    ldap3::dn_escape(value).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_metacharacters_are_escaped() {
        assert_eq!(filter_value("*)(uid=*"), r"\2a\29\28uid=\2a");
        assert_eq!(filter_value(r"a\b"), r"a\5cb");
        assert_eq!(filter_value("a\0b"), r"a\00b");
        assert_eq!(filter_value("Jöhn Dœ"), "Jöhn Dœ");
    }

    #[test]
    fn dn_metacharacters_are_escaped() {
        assert_eq!(dn_value("a,ou=admins"), r"a\2cou\3dadmins");
        assert_eq!(dn_value(" #lead"), r"\20#lead");
        assert_eq!(dn_value("#x "), r"\23x\20");
        assert_eq!(dn_value("a+b\"c<d>e;f\\g"), r"a\2bb\22c\3cd\3ee\3bf\5cg");
    }
}
