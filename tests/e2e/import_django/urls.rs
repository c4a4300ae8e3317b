//! The original's URLs: the table in docs/runbook.md (after `<!-- legacy-urls -->`) is read
//! here and every row requested, so the document and the server cannot drift apart.

use bitu_testkit::TestContext;
use bitu_testkit::env::repo_root;
use reqwest::Method;

/// One row of the table.
struct Row {
    method: Method,
    path: String,
    status: u16,
    target: String,
}

/// The text between backticks in `cell`, if any.
fn quoted(cell: &str, mark: char) -> Option<String> {
    let start = cell.find(mark)? + 1;
    let end = start + cell[start..].find(mark)?;
    Some(cell[start..end].to_string())
}

fn table() -> Vec<Row> {
    let doc = std::fs::read_to_string(repo_root().join("docs/runbook.md")).unwrap();
    let (_, after) = doc
        .split_once("<!-- legacy-urls -->")
        .expect("the runbook has the legacy URL table");
    after
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 4, "{line}");
            Row {
                method: cells[0].parse().unwrap(),
                path: quoted(cells[1], '`').unwrap_or_else(|| panic!("{line}")),
                status: cells[2].parse().unwrap(),
                target: cells[3].to_string(),
            }
        })
        .collect()
}

#[tokio::test]
async fn every_original_url_answers_as_the_runbook_says() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    // An anonymous browser: cookies and a CSRF token, as a form on a page would send.
    let browser = bitu_testkit::Browser::new(&web.base_url);
    let csrf = browser.csrf_token().await;
    let client = &browser.client;
    let rows = table();
    assert!(rows.len() >= 30, "the table lost rows: {}", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        let mut request = client.request(row.method.clone(), web.url(&row.path));
        if row.method != Method::GET {
            request = if row.path.contains("/api/") {
                request
                    .header("X-CSRF-Token", &csrf)
                    .json(&serde_json::json!({}))
            } else {
                request.form(&[("csrf_token", csrf.as_str())])
            };
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        let what = format!("{} {}", row.method, row.path);
        if status != row.status {
            wrong.push(format!("{what}: {status}, the runbook says {}", row.status));
            continue;
        }
        if matches!(status, 301 | 307 | 308) {
            let expected = quoted(&row.target, '`');
            if location != expected {
                wrong.push(format!(
                    "{what}: to {location:?}, the runbook says {expected:?}"
                ));
            }
        } else if status == 200
            && let Some(word) = quoted(&row.target, '"')
            && !body.to_lowercase().contains(&word.to_lowercase())
        {
            wrong.push(format!("{what}: the page lacks {word:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
