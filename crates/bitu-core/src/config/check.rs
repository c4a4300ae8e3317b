//! `bitu check-config`: every problem of a configuration file, each with its line.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use super::Settings;

/// One thing wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the file, when the problem sits at a known place.
    pub line: Option<usize>,
    /// Dotted key the problem is about (`ldap.servers`), when there is one.
    pub key: Option<String>,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Checks the file at `path` (with `BITU_*__*` overrides applied) and lists every problem found.
pub fn check_file(path: &Path) -> Vec<Problem> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return vec![Problem {
                line: None,
                key: None,
                message: format!("cannot read {}: {e}", path.display()),
            }];
        }
    };
    let document = match toml_edit::Document::parse(text.as_str()) {
        Ok(document) => document,
        Err(e) => {
            return vec![Problem {
                line: e.span().map(|span| line_of(&text, span.start)),
                key: None,
                message: format!("not valid TOML: {}", e.message()),
            }];
        }
    };
    let locate = |key: &str| key_line(&document, &text, key);
    let figment = Settings::figment(Some(path));

    let mut problems = Vec::new();
    match figment.extract::<Settings>() {
        Err(errors) => {
            for error in errors {
                let key = (!error.path.is_empty()).then(|| error.path.join("."));
                problems.push(Problem {
                    line: key.as_deref().and_then(locate),
                    key,
                    message: error.kind.to_string(),
                });
            }
        }
        Ok(settings) => {
            for (key, message) in settings.validate() {
                problems.push(Problem {
                    line: locate(&key),
                    key: Some(key),
                    message,
                });
            }
        }
    }
    if let Ok(value) = figment.extract::<figment::value::Value>() {
        let mut unknown = BTreeSet::new();
        let _: Result<Settings, figment::Error> = serde_ignored::deserialize(&value, |p| {
            unknown.insert(p.to_string());
        });
        for key in unknown {
            problems.push(Problem {
                line: locate(&key),
                message: "unknown key".into(),
                key: Some(key),
            });
        }
    }
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    problems
}

/// The line where `dotted_key` is written, or where its nearest written parent is.
fn key_line(document: &toml_edit::Document<&str>, text: &str, dotted_key: &str) -> Option<usize> {
    let mut table: &dyn toml_edit::TableLike = document.as_table();
    let mut found = None;
    let mut parts = dotted_key.split('.');
    while let Some(part) = parts.next() {
        let Some((key, next)) = table.get_key_value(part) else {
            return found;
        };
        if let Some(span) = key.span().or_else(|| next.span()) {
            found = Some(line_of(text, span.start));
        }
        // Arrays of tables (`[[permissions.groups]]`) are entered by the index that follows.
        if let Some(tables) = next.as_array_of_tables() {
            let Some(index) = parts.next().and_then(|p| p.parse::<usize>().ok()) else {
                return found;
            };
            let Some(entry) = tables.get(index) else {
                return found;
            };
            if let Some(span) = entry.span() {
                found = Some(line_of(text, span.start));
            }
            table = entry;
            continue;
        }
        let Some(inner) = next.as_table_like() else {
            return found;
        };
        table = inner;
    }
    found
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<Problem> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bitu.toml");
        std::fs::write(&path, text).unwrap();
        check_file(&path)
    }

    #[test]
    fn clean_file_has_no_problems() {
        assert_eq!(check("[site]\nname = \"Bitu\"\n"), vec![]);
    }

    #[test]
    fn every_problem_has_its_line() {
        let problems = check(
            "[database]\npool_size = 0\n\n[ldap]\nserver = \"ldap://x\"\nservers = [\"http://x\"]\n",
        );
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            lines.contains(&"line 2: database.pool_size: must be at least 1".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"line 5: ldap.server: unknown key".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("line 6: ldap.servers:")),
            "{lines:?}"
        );
    }

    #[test]
    fn an_enabled_blocking_system_is_checked() {
        let problems = check("[blocking.gitlab]\nenabled = true\nurl = \"gitlab\"\n");
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "line 1: blocking.gitlab.secret_file: is required when enabled",
                "line 3: blocking.gitlab.url: \"gitlab\" must be an http:// or https:// URL",
            ]
        );
        assert_eq!(
            check("[blocking.gitlab]\nenabled = false\nurl = \"gitlab\"\n"),
            []
        );
    }

    #[test]
    fn wrong_types_and_syntax_are_reported() {
        let problems = check("[web]\nworkers = \"many\"\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, Some(2));
        assert_eq!(problems[0].key.as_deref(), Some("web.workers"));

        let problems = check("[web\nworkers = 1\n");
        assert_eq!(problems[0].line, Some(1), "{problems:?}");
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    /// The example shipped to operators must itself be a clean configuration.
    #[test]
    fn the_example_configuration_is_clean() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../packaging/bitu.example.toml");
        assert_eq!(check_file(&path), vec![]);
    }
}
