//! Codex icons (@wikimedia/codex-icons, vendored by packaging/codex/update.sh) written into the
//! page as inline SVG, as Codex's own icon component does: they take the text colour (dark
//! mode included) and need no request. Screen readers skip them; the text beside says it all.

use std::collections::HashMap;
use std::sync::LazyLock;

macro_rules! icons {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../static/codex/icons/", $name, ".svg")))),*]
    };
}

/// The vendored icons (keep in step with ICONS in packaging/codex/update.sh).
const ICONS: &[(&str, &str)] = icons![
    "userAvatar",
    "key",
    "userGroup",
    "checkAll",
    "block",
    "lock",
    "logOut",
    "menu",
    "clock",
];

/// `svg` without its XML declaration and title, hidden from assistive technology.
fn inline(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let mut svg = svg[start..].trim().to_string();
    if let (Some(open), Some(close)) = (svg.find("<title>"), svg.find("</title>")) {
        svg.replace_range(open..close + "</title>".len(), "");
    }
    let svg = svg.replacen(
        "<svg ",
        "<svg class=\"bitu-icon\" aria-hidden=\"true\" focusable=\"false\" ",
        1,
    );
    svg.split_whitespace().collect::<Vec<_>>().join(" ")
}

static INLINE: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ICONS
        .iter()
        .map(|(name, svg)| (*name, inline(svg)))
        .collect()
});

/// The tera function `icon(name="key")` (`flip=true` to mirror it in right-to-left pages):
/// the icon's SVG markup.
pub struct IconFunction;

impl tera::Function for IconFunction {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let name = args
            .get("name")
            .and_then(tera::Value::as_str)
            .ok_or_else(|| tera::Error::msg("icon needs name=\"...\""))?;
        let svg = INLINE
            .get(name)
            .ok_or_else(|| tera::Error::msg(format!("no icon {name:?}")))?;
        // `flip=true`: mirrored in right-to-left pages (arrows, "log out").
        let flip = args.get("flip").and_then(tera::Value::as_bool) == Some(true);
        Ok(tera::Value::String(if flip {
            svg.replacen(
                "class=\"bitu-icon\"",
                "class=\"bitu-icon bitu-icon--flip\"",
                1,
            )
        } else {
            svg.clone()
        }))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_is_an_svg_without_title_hidden_from_screen_readers() {
        for (name, _) in ICONS {
            let svg = &INLINE[name];
            assert!(
                svg.starts_with("<svg class=\"bitu-icon\" aria-hidden=\"true\""),
                "{svg}"
            );
            assert!(!svg.contains("<title>") && !svg.contains("<?xml"), "{svg}");
            assert!(svg.ends_with("</svg>"), "{svg}");
        }
    }
}
