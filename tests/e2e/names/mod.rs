//! Developer names end to end: the sign-up form, the Striker username API and
//! `bitu blocklist check` give MediaWiki's verdict on every row of the name table
//! (crates/bitu-core/src/names/mediawiki_names.tsv), and look-alikes of real LDAP names,
//! pending sign-ups and reserved names are refused.

mod bench;
mod confusables;

use bitu_core::Settings;
use bitu_core::names::{NameProblem, NameRules};
use bitu_testkit::process::run;
use bitu_testkit::{Browser, TestContext, WebProcess};
use serde_json::{Value, json};

const TABLE: &str = include_str!("../../../crates/bitu-core/src/names/mediawiki_names.tsv");

/// `\u{XXXX}` escapes and `{c*N}` repetitions of the table.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("\\u{") {
            let end = after.find('}').unwrap();
            out.push(char::from_u32(u32::from_str_radix(&after[..end], 16).unwrap()).unwrap());
            rest = &after[end + 1..];
        } else if rest.starts_with('{') && rest.contains('*') && rest.contains('}') {
            let end = rest.find('}').unwrap();
            let (unit, count) = rest[1..end].rsplit_once('*').unwrap();
            out.push_str(&unit.repeat(count.parse().unwrap()));
            rest = &rest[end + 1..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The inputs of the table.
fn table_inputs() -> Vec<String> {
    TABLE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| unescape(line.split('\t').next().unwrap()))
        .collect()
}

/// Settings whose rate limits let a test send hundreds of names.
fn roomy_settings(ctx: &TestContext) -> Settings {
    let mut settings = ctx.settings.clone();
    settings.blocklist.api_requests_per_ip = 100_000;
    settings.signup.attempts_per_ip_per_hour = 100_000;
    settings.rate_limit.captchas_per_ip = 100_000;
    settings
}

/// `POST /signup/api/username/`.
async fn api(web: &WebProcess, username: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(web.url("/signup/api/username/"))
        .json(&json!({ "username": username }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Text as the templates escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}

/// The developer-name errors the sign-up form shows for `cn` (other fields left invalid).
async fn form_errors(browser: &Browser, cn: &str) -> String {
    let response = browser
        .post_form(
            "/signup/",
            &[
                ("cn", cn),
                ("uid", "x"),
                ("email", "x"),
                ("password", "x"),
                ("password_again", "x"),
                ("captcha_id", "x"),
                ("captcha", "x"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400, "{cn:?}");
    let page = response.text().await.unwrap();
    page.split("id=\"cn-errors\"")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap_or("")
        .to_string()
}

/// Whether `message` is one of the canonical-form refusals.
fn is_name_verdict(message: &str) -> bool {
    message.starts_with("The name ")
        || message == "Enter a developer account name."
        || message == "This name is reserved."
}

/// `bitu blocklist check` for one name given as an argument: its output line.
fn cli(config: &std::path::Path, name: &str) -> String {
    let output = run("bitu", config, &["blocklist", "check", "--", name]);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn cli_expected(name: &str, verdict: &Result<String, NameProblem>) -> String {
    match verdict {
        Ok(_) => format!("{name}\tOK\n"),
        Err(problem) => format!("{name}\tINVALID\t{}\t{problem}\n", problem.class()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_api_and_cli_agree_on_every_row_of_the_name_table() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config_with(&roomy_settings(&ctx));
    let web = WebProcess::start(&config).await;
    let browser = Browser::new(&web.base_url);
    let rules = NameRules::default();
    let inputs = table_inputs();
    assert!(inputs.len() >= 200);

    // The CLI takes many names at once; names with line breaks or NUL cannot share its lines.
    let batch: Vec<&String> = inputs
        .iter()
        .filter(|name| !name.contains(['\n', '\r', '\0']) && !name.trim().is_empty())
        .collect();
    let mut args = vec!["blocklist", "check", "--"];
    args.extend(batch.iter().map(|name| name.as_str()));
    let output = run("bitu", &config, &args);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let expected: String = batch
        .iter()
        .map(|name| cli_expected(name, &rules.canonical(name)))
        .collect();
    assert_eq!(stdout, expected);

    let mut wrong = Vec::new();
    for input in &inputs {
        let verdict = rules.canonical(input);
        if input.contains(['\n', '\r']) {
            let line = cli(&config, input);
            if line != cli_expected(input, &verdict) {
                wrong.push(format!("cli {input:?}: {line:?}"));
            }
        }
        // The API: 400 with exactly the verdict's message, or no verdict message at all.
        let (status, body) = api(&web, input).await;
        let messages: Vec<String> = body["username"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|m| m.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        match &verdict {
            _ if input.trim().is_empty() => {
                if (status, messages.as_slice())
                    != (400, &["This field is required.".to_string()][..])
                {
                    wrong.push(format!("api {input:?}: {status} {body}"));
                }
            }
            Err(problem) => {
                if status != 400 || messages != [problem.to_string()] {
                    wrong.push(format!("api {input:?}: {status} {body}"));
                }
            }
            Ok(canonical) => {
                let fine = match status {
                    201 => body["sanitized"] == json!(canonical),
                    400 => !messages.iter().any(|m| is_name_verdict(m)),
                    _ => false,
                };
                if !fine {
                    wrong.push(format!("api {input:?}: {status} {body}"));
                }
            }
        }
        // The form: the verdict's message under the name, alone, or no verdict message.
        let errors = form_errors(&browser, input).await;
        let shown = errors.matches("<li>").count();
        let fine = match &verdict {
            Err(problem) => shown == 1 && errors.contains(&html(&problem.to_string())),
            Ok(_) => !errors.contains("The name ") && !errors.contains("This name is reserved."),
        };
        if !fine {
            wrong.push(format!("form {input:?}: {errors}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
