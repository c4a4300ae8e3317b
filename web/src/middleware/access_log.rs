//! The access log's path: the request path with the secret segments of mailed links
//! (password reset and sign-up activation tokens) masked, so the log holds no usable link.

/// What a masked segment reads as.
pub const MASK: &str = "[secret]";

/// Paths whose segment at the given index (after the leading `/`) is a secret.
const SECRET_SEGMENTS: &[(&[&str], usize)] = &[
    // /password/reset/{uid}/{expires}/{token}/
    (&["password", "reset"], 4),
    // /signup/activate/{id}/{token}/
    (&["signup", "activate"], 3),
];

/// `path` with every secret segment replaced by [`MASK`].
pub fn masked_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').skip(1).collect();
    for (prefix, index) in SECRET_SEGMENTS {
        let matches = segments.len() > *index
            && prefix
                .iter()
                .zip(&segments)
                .all(|(want, got)| want.eq_ignore_ascii_case(got));
        if matches && !segments[*index].is_empty() {
            segments[*index] = MASK;
        }
    }
    if segments.is_empty() {
        return path.to_string();
    }
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_masked_and_other_paths_kept() {
        assert_eq!(
            masked_path("/password/reset/rita/1764339000/c0ffee-token/"),
            "/password/reset/rita/1764339000/[secret]/"
        );
        assert_eq!(
            masked_path("/signup/activate/12/AbCdEf_token"),
            "/signup/activate/12/[secret]"
        );
        for kept in [
            "/",
            "/password/reset/",
            "/password/reset/set/",
            "/signup/activate/",
            "/account/email/confirm/",
            "/keys/3/delete/",
        ] {
            assert_eq!(masked_path(kept), kept);
        }
    }
}
