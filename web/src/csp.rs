//! The Content-Security-Policy every answer carries: only this site's own files (no inline
//! script or style anywhere; the Codex stylesheets' icons are `data:` images), forms sent only
//! here and to the configured identity provider and linking sites (signing out and linking
//! end there), and no framing.

use bitu_core::Settings;

/// The origin (`https://idp.example.org`, port kept when not the scheme's default) of `url`.
fn origin(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// The policy for `settings`.
pub fn policy(settings: &Settings) -> String {
    let mut form_action = vec!["'self'".to_string()];
    let mut elsewhere = Vec::new();
    if settings.oidc.enabled {
        elsewhere.push(settings.oidc.issuer.as_str());
    }
    for link in [&settings.linking.mediawiki, &settings.linking.phabricator] {
        if link.enabled {
            elsewhere.push(link.url.as_str());
        }
    }
    for origin in elsewhere.into_iter().filter_map(origin) {
        if !form_action.contains(&origin) {
            form_action.push(origin);
        }
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action {}; frame-ancestors 'none'",
        form_action.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_may_go_to_the_provider_and_enabled_linking_sites_only() {
        let mut settings = Settings::default();
        let plain = policy(&settings);
        assert!(plain.contains("form-action 'self';"), "{plain}");
        assert!(!plain.contains("unsafe-inline"), "{plain}");
        assert!(plain.contains("frame-ancestors 'none'"), "{plain}");
        settings.oidc.enabled = true;
        settings.oidc.issuer = "https://idp.example.org:8443/oidc".into();
        settings.linking.mediawiki.enabled = true;
        let policy = policy(&settings);
        assert!(
            policy.contains(
                "form-action 'self' https://idp.example.org:8443 https://meta.wikimedia.org;"
            ),
            "{policy}"
        );
        assert!(!policy.contains("phabricator"), "{policy}");
    }
}
