//! IP-looking names the way MediaWiki's `IPUtils` (`isIPv4`, `isIPv6`, `isValid`,
//! `sanitizeIP`) and `UserNameUtils::isIP` see them, followed from their regular expressions.

/// One IPv4 octet as `RE_IP_BYTE` reads it: one to three digits worth at most 255.
fn is_ipv4_byte(text: &str) -> bool {
    (1..=3).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u16>().is_ok_and(|value| value <= 255)
}

/// `RE_IP_PREFIX`: 0 to 32, without leading zeros.
fn is_ipv4_prefix(text: &str) -> bool {
    matches!(text.len(), 1 | 2)
        && text.bytes().all(|b| b.is_ascii_digit())
        && !(text.len() == 2 && text.starts_with('0'))
        && text.parse::<u8>().is_ok_and(|value| value <= 32)
}

/// `RE_IPV6_PREFIX`: 0 to 128, without leading zeros.
fn is_ipv6_prefix(text: &str) -> bool {
    (1..=3).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !(text.len() > 1 && text.starts_with('0'))
        && text.parse::<u8>().is_ok_and(|value| value <= 128)
}

fn is_ipv4_address(text: &str) -> bool {
    let octets: Vec<&str> = text.split('.').collect();
    octets.len() == 4 && octets.iter().all(|octet| is_ipv4_byte(octet))
}

/// `RE_IPV6_WORD`: one to four hex digits.
fn is_ipv6_word(text: &str) -> bool {
    (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `RE_IPV6_ADD`: eight words, or at most seven around exactly one `::`.
fn is_ipv6_address(text: &str) -> bool {
    let words = |part: &str| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let words: Vec<&str> = part.split(':').collect();
        words
            .iter()
            .all(|word| is_ipv6_word(word))
            .then_some(words.len())
    };
    match text.split_once("::") {
        Some((left, right)) => {
            !right.contains("::")
                && matches!((words(left), words(right)), (Some(l), Some(r)) if l + r <= 7)
        }
        None => words(text) == Some(8),
    }
}

/// `IPUtils::isIPv4`: an address, optionally with a `/prefix`.
pub fn is_ipv4(text: &str) -> bool {
    match text.split_once('/') {
        Some((address, prefix)) => is_ipv4_address(address) && is_ipv4_prefix(prefix),
        None => is_ipv4_address(text),
    }
}

/// `IPUtils::isIPv6`: an address, optionally with a `/prefix`.
pub fn is_ipv6(text: &str) -> bool {
    match text.split_once('/') {
        Some((address, prefix)) => is_ipv6_address(address) && is_ipv6_prefix(prefix),
        None => is_ipv6_address(text),
    }
}

/// `UserNameUtils::isIP`: a valid address without prefix, or anything shaped like
/// `1.2.3.4` or `1.2.3.xxx` (how the usemod software cloaked anonymous editors).
pub fn looks_like_ip(name: &str) -> bool {
    if is_ipv4_address(name) || is_ipv6_address(name) {
        return true;
    }
    let parts: Vec<&str> = name.split('.').collect();
    let digits =
        |part: &str| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 4
        && parts[..3].iter().all(|p| digits(p))
        && (digits(parts[3]) || parts[3] == "xxx")
}

/// Strips leading zeros of each dot-separated number, keeping its last digit (`sanitizeIPv4`).
fn sanitize_ipv4(ip: &str) -> String {
    let (address, prefix) = match ip.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (ip, None),
    };
    let octets: Vec<&str> = address
        .split('.')
        .map(|octet| {
            let trimmed = octet.trim_start_matches('0');
            if trimmed.is_empty() { "0" } else { trimmed }
        })
        .collect();
    let mut out = octets.join(".");
    if let Some(prefix) = prefix {
        out.push('/');
        out.push_str(prefix);
    }
    out
}

/// Upper case, `::` expanded to zero words, leading zeros of each word removed (`sanitizeIPv6`).
fn sanitize_ipv6(ip: &str) -> String {
    let mut ip = ip.to_ascii_uppercase();
    if let Some(abbrev) = ip.find("::") {
        let address_end = match ip.find('/') {
            Some(cidr) => cidr.saturating_sub(1),
            None => ip.len().saturating_sub(1),
        };
        let (repeat, extra, pad) = if abbrev == 0 {
            ("0:", if ip == "::" { "0" } else { "" }, 9)
        } else if abbrev + 1 == address_end {
            (":0", "", 9)
        } else {
            (":0", ":", 8)
        };
        let colons = ip.matches(':').count();
        let filler = repeat.repeat(pad_count(pad, colons)) + extra;
        ip = ip.replacen("::", &filler, 1);
    }
    let (address, prefix) = match ip.split_once('/') {
        Some((address, prefix)) => (address.to_string(), Some(prefix.to_string())),
        None => (ip.clone(), None),
    };
    let mut out = address
        .split(':')
        .map(|word| {
            let trimmed = word.trim_start_matches('0');
            if trimmed.is_empty() && !word.is_empty() {
                "0"
            } else {
                trimmed
            }
        })
        .collect::<Vec<_>>()
        .join(":");
    if let Some(prefix) = prefix {
        out.push('/');
        out.push_str(&prefix);
    }
    out
}

fn pad_count(pad: usize, colons: usize) -> usize {
    pad.saturating_sub(colons)
}

/// `IPUtils::sanitizeIP` as the title parser applies it to user page names: addresses get
/// one spelling, anything else is returned as it is.
pub fn sanitize_ip(name: &str) -> String {
    if is_ipv4(name) {
        sanitize_ipv4(name)
    } else if is_ipv6(name) {
        sanitize_ipv6(name)
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_recognised_as_ipputils_does() {
        for ip in [
            "1.2.3.4",
            "255.255.255.255",
            "01.002.3.4",
            "::",
            "::1",
            "1::",
            "a:b::c",
            "1:2:3:4:5:6:7:8",
        ] {
            assert!(looks_like_ip(ip), "{ip}");
        }
        for not in [
            "256.1.1.1",
            "1.2.3",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":::",
            "1:2:3:4:5:6:7::8",
            "12345::",
        ] {
            assert!(!is_ipv4(not) && !is_ipv6(not), "{not}");
        }
        assert!(looks_like_ip("300.300.300.300"));
        assert!(looks_like_ip("1.2.3.xxx"));
        assert!(!looks_like_ip("1.2.3.XXX"));
        assert!(is_ipv4("1.2.3.0/24") && !is_ipv4("1.2.3.0/33") && !is_ipv4("1.2.3.0/08"));
        assert!(is_ipv6("::/0") && is_ipv6("2001:db8::/128") && !is_ipv6("::/129"));
    }

    #[test]
    fn addresses_get_one_spelling() {
        assert_eq!(sanitize_ip("001.02.3.000"), "1.2.3.0");
        assert_eq!(sanitize_ip("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(sanitize_ip("::1"), "0:0:0:0:0:0:0:1");
        assert_eq!(sanitize_ip("::"), "0:0:0:0:0:0:0:0");
        assert_eq!(sanitize_ip("Fe80::"), "FE80:0:0:0:0:0:0:0");
        assert_eq!(sanitize_ip("2001:db8::0001"), "2001:DB8:0:0:0:0:0:1");
        assert_eq!(sanitize_ip("2001:0db8::/32"), "2001:DB8:0:0:0:0:0:0/32");
        assert_eq!(sanitize_ip("a:b:c:d:e:f:0:0"), "A:B:C:D:E:F:0:0");
        assert_eq!(sanitize_ip("Foo"), "Foo");
    }
}
