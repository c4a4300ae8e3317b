//! Page templates, compiled into the binary so a deployment cannot run with stale ones.

use serde::Serialize;
use tera::{Context, Tera};

use crate::error::WebError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("error.html", include_str!("../templates/error.html")),
];

/// The parsed templates.
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// Parses every template; an error here is a bug caught at start-up.
    pub fn load() -> Result<Templates, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        Ok(Templates { tera })
    }

    /// Renders `name` with `context` (any serialisable value whose fields become variables).
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, WebError> {
        let context = Context::from_serialize(context)?;
        Ok(self.tera.render(name, &context)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        Templates::load().unwrap();
    }
}
