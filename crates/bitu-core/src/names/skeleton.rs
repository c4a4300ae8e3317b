//! Confusable skeletons: two names with the same skeleton look alike (`PayPaI` and `PayPal`,
//! Cyrillic `а` and Latin `a`, `rn` and `m`).
//!
//! Unicode's UTS #39 skeleton (its `confusables.txt` prototypes, as the `unicode-security`
//! crate ships them) rather than AntiSpoof's own equivalence set, which is no package: the
//! Unicode data is maintained with every Unicode release and covers every script. Like
//! AntiSpoof, case is ignored: the skeleton is taken, lower-cased and taken again, so `I`
//! (prototype `l`), `M` (lower case `m`, prototype `rn`) and `0` (prototype `O`) all meet
//! their look-alikes.

use unicode_security::skeleton as uts39_skeleton;

/// The key under which look-alike names meet.
pub fn skeleton(name: &str) -> String {
    let first: String = uts39_skeleton(name).collect();
    let lower = first.to_lowercase();
    uts39_skeleton(&lower).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_skeleton() {
        assert_eq!(skeleton("PayPaI"), skeleton("PayPal"));
        assert_eq!(skeleton("P\u{0430}yPal"), skeleton("PayPal"), "Cyrillic а");
        assert_eq!(skeleton("Rnike"), skeleton("Mike"));
        assert_eq!(skeleton("B0b"), skeleton("Bob"));
        assert_eq!(skeleton("Paypal"), skeleton("PayPal"));
        assert_ne!(skeleton("Alice"), skeleton("Bob"));
        assert_ne!(skeleton("PayPal"), skeleton("PayPals"));
    }
}
