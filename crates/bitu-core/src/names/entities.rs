//! Character references decoded the way MediaWiki's `Sanitizer::decodeCharReferences` does:
//! `&name;` (HTML5's named references), `&#123;` and `&#x7B;`/`&#X7B;`. Unknown names stay
//! as written; numbers that are no allowed character become U+FFFD, which no title accepts.

/// `Sanitizer::validateCodepoint`: the characters XML allows.
fn allowed_codepoint(codepoint: u32) -> bool {
    matches!(codepoint, 0x09 | 0x0A | 0x0D | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn decode_number(digits: &str, radix: u32) -> char {
    u32::from_str_radix(digits, radix)
        .ok()
        .filter(|codepoint| allowed_codepoint(*codepoint))
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// A name byte of `[A-Za-z0-9\x80-\xff]`: ASCII letters and digits, and any non-ASCII text.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

/// The reference starting at `text` (just after `&`), as (replacement, bytes consumed).
fn reference(text: &str) -> Option<(String, usize)> {
    if let Some(number) = text.strip_prefix('#') {
        let (digits_from, radix) = match number.as_bytes().first() {
            Some(b'x' | b'X') => (2, 16),
            _ => (1, 10),
        };
        let digits: &str = &text[digits_from..];
        let length = digits
            .bytes()
            .take_while(|b| {
                if radix == 16 {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if length == 0 || digits.as_bytes().get(length) != Some(&b';') {
            return None;
        }
        let decoded = decode_number(&digits[..length], radix);
        return Some((decoded.to_string(), digits_from + length + 1));
    }
    let length: usize = text
        .chars()
        .take_while(|c| is_name_char(*c))
        .map(char::len_utf8)
        .sum();
    if length == 0 || text.as_bytes().get(length) != Some(&b';') {
        return None;
    }
    let key = format!("&{};", &text[..length]);
    let decoded = htmlize::ENTITIES.get(key.as_bytes())?;
    let decoded = std::str::from_utf8(decoded).ok()?;
    Some((decoded.to_string(), length + 1))
}

/// `text` with its character references decoded.
pub fn decode_char_references(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match reference(after) {
            Some((decoded, consumed)) => {
                out.push_str(&decoded);
                rest = &after[consumed..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_decoded_as_the_sanitizer_does() {
        assert_eq!(decode_char_references("&eacute;mile"), "émile");
        assert_eq!(decode_char_references("A&amp;B"), "A&B");
        assert_eq!(decode_char_references("&#65;&#x42;&#X43;"), "ABC");
        assert_eq!(decode_char_references("Null&#0;char"), "Null\u{FFFD}char");
        assert_eq!(decode_char_references("&#xD800;"), "\u{FFFD}");
        assert_eq!(decode_char_references("&#99999999999;"), "\u{FFFD}");
        assert_eq!(
            decode_char_references("&bogus; &amp &#; &#x;"),
            "&bogus; &amp &#; &#x;"
        );
        assert_eq!(decode_char_references("&&amp;;"), "&&;");
    }
}
