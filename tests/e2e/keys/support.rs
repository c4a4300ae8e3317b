//! Helpers of the SSH key tests: keys made by `ssh-keygen` now, a signed-in browser, and
//! looks behind Bitu's back into LDAP and MariaDB.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext, WebProcess};
use ldap3::{Mod, Scope, SearchEntry};

pub const PASSWORD: &str = "Quiet-Otter-Harbour-42";

/// FIDO keys cannot be made without hardware: fixed ones, checked with `ssh-keygen -lf`.
pub const SK_ED25519: &str = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIMgRPTqmN2oJXQZYcnNcrkNn1SeiTRF4CgjvWaKc2xanAAAABHNzaDo= sk-ed@test";
pub const SK_ECDSA: &str = "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBDuO8M6UnDJNsEhFTi+zCQXLZW/oyiokesMZf5hu6/wUHMd29Fh1YuT8nhVRPR00idf0SYYbylAt3PkfbhjGeKUAAAAEc3NoOg== sk-ec@test";
/// Used when this `ssh-keygen` can no longer make DSA keys (OpenSSH 10 dropped them).
const DSA: &str = "ssh-dss AAAAB3NzaC1kc3MAAACBAOcJc9fwfZWfA8xNQfO6aAx2YwkHvJ4VCxmXA+YWrntMxQVl2y68WvrECpzVeDteJCMx4v0W8xhAtm1AETsSuZy2q7ac38yQCMvJtSmL43q4DsTeZ9yyC5uj3aTCQLMzrSP2KVB4OTbsB8C9gA83NXqgQeRQ/TwF/FJbqcZPomPlAAAAFQC3o4uGStBz+5Bw/iDwz/e3Q8IjTQAAAIEApLEwVxJMIyOLMBty4AJG93gjCQuMyTZfyBglPh1Q7vM7bCs8wDmekr37eVS1SvJKAFhUcE1JS4Y0PP0SPV11+If7cdyCa2HnIDU/SamdHUyXMdHV3Azvfplnz+ny+XIO9Y58v6h+alwWwuO7IZjPGn/2q2MRlUVYU3l5G/ASawgAAACBAIM/ratHzkr8aV2BUhpxSYK5TU9pjYww6Vv6dCzk3zLFCHRkdIYamaxxbMEmrSJBeoCYtYOZSYSYsSoL2yS4MMp3V7Aoh2Q6It6SDOPgz+0P2wZPxPfWESFu/kx2F+ndwsrXdDAEhZ78B6+h1LLhwimQwAvSDMVc1J778jWRT6xD dsa@test";

/// A key pair made by `ssh-keygen`.
pub struct KeyPair {
    /// The `.pub` line, without its newline.
    pub public: String,
    /// The private key file's text.
    pub private: String,
    /// Size as `ssh-keygen -lf` prints it.
    pub bits: u32,
    /// Fingerprint as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
}

/// `ssh-keygen -lf`: (bits, fingerprint) of a public key line.
pub fn keygen_fingerprint(dir: &Path, line: &str) -> (u32, String) {
    let path = dir.join(format!("fp-{:x}.pub", rand_suffix()));
    std::fs::write(&path, format!("{line}\n")).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ssh-keygen -lf: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut words = text.split_whitespace();
    let bits = words.next().unwrap().parse().unwrap();
    (bits, words.next().unwrap().to_string())
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    nanos
        ^ COUNTER
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .rotate_left(40)
}

/// Makes a key pair with `ssh-keygen -t kind [-b bits] [extra...]`; `None` if this
/// `ssh-keygen` refuses the type.
pub fn try_keygen(dir: &Path, kind: &str, bits: Option<u32>, extra: &[&str]) -> Option<KeyPair> {
    let path = dir.join(format!("{kind}-{:x}", rand_suffix()));
    let mut command = Command::new("ssh-keygen");
    command.args(["-q", "-t", kind, "-N", "", "-C", &format!("{kind}@keygen")]);
    if let Some(bits) = bits {
        command.args(["-b", &bits.to_string()]);
    }
    let status = command.args(extra).arg("-f").arg(&path).output().unwrap();
    if !status.status.success() {
        return None;
    }
    let public = std::fs::read_to_string(format!("{}.pub", path.display()))
        .unwrap()
        .trim_end()
        .to_string();
    let private = std::fs::read_to_string(&path).unwrap();
    let (bits, fingerprint) = keygen_fingerprint(dir, &public);
    Some(KeyPair {
        public,
        private,
        bits,
        fingerprint,
    })
}

/// Like [`try_keygen`], panicking when the type is refused.
pub fn keygen(dir: &Path, kind: &str, bits: Option<u32>) -> KeyPair {
    try_keygen(dir, kind, bits, &[]).unwrap_or_else(|| panic!("ssh-keygen -t {kind} failed"))
}

/// A DSA public key: made now if `ssh-keygen` still can, else the fixed one.
pub fn dsa_public(dir: &Path) -> String {
    try_keygen(dir, "dsa", None, &[]).map_or_else(|| DSA.to_string(), |pair| pair.public)
}

/// A running bitu-web with user `uid` signed in.
pub struct Signed {
    pub web: WebProcess,
    pub browser: Browser,
}

/// Creates `uids` and starts bitu-web; the first user is signed in.
pub async fn start(ctx: &TestContext, uids: &[&str]) -> Signed {
    for uid in uids {
        ctx.create_user(uid, &format!("Dev {uid}"), &ssha(PASSWORD))
            .await;
    }
    let web = ctx.start_web().await;
    let browser = signed_in(&web, uids[0]).await;
    Signed { web, browser }
}

/// A new browser signed in as `uid`.
pub async fn signed_in(web: &WebProcess, uid: &str) -> Browser {
    let browser = Browser::new(&web.base_url);
    browser.sign_in(uid, PASSWORD).await;
    browser
}

/// Adds a key through the page's form; returns the status and the body.
pub async fn add_by_form(
    browser: &Browser,
    key: &str,
    comment: &str,
    activate: bool,
) -> (u16, String) {
    let activate = if activate { "yes" } else { "no" };
    let response = browser
        .post_form(
            "/keys/",
            &[("key", key), ("comment", comment), ("activate", activate)],
        )
        .await;
    let status = response.status().as_u16();
    (status, html_text(&response.text().await.unwrap()))
}

/// A page's text with the escapes Tera writes turned back (`&#x2F;` is `/`).
pub fn html_text(body: &str) -> String {
    body.replace("&#x2F;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A JSON request with the session's CSRF header.
pub async fn api(
    browser: &Browser,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let token = browser.csrf_token().await;
    let mut request = browser
        .client
        .request(method, browser.url(path))
        .header("X-CSRF-Token", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// The keys `GET /api/keys` lists.
pub async fn listed(browser: &Browser) -> Vec<serde_json::Value> {
    let (status, json) = api(browser, reqwest::Method::GET, "/api/keys", None).await;
    assert_eq!(status, 200, "{json}");
    json["keys"].as_array().unwrap().clone()
}

/// The listed key with `fingerprint`.
pub fn by_fingerprint<'a>(
    keys: &'a [serde_json::Value],
    fingerprint: &str,
) -> Option<&'a serde_json::Value> {
    keys.iter().find(|k| k["fingerprint"] == fingerprint)
}

/// The `sshPublicKey` values of `uid`, read as the rootDN.
pub async fn ldap_keys(ctx: &TestContext, uid: &str) -> Vec<String> {
    let dn = format!("uid={uid},{}", ctx.settings.ldap.users_dn);
    let mut admin = ctx.ldap_admin().await;
    let (entries, _) = admin
        .search(&dn, Scope::Base, "(objectClass=*)", vec!["sshPublicKey"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
    let entry = SearchEntry::construct(entries.into_iter().next().unwrap());
    entry.attrs.get("sshPublicKey").cloned().unwrap_or_default()
}

/// Adds or deletes one `sshPublicKey` value of `uid` as another tool would (`ldapmodify`).
pub async fn ldapmodify(ctx: &TestContext, uid: &str, add: bool, value: &str) {
    let dn = format!("uid={uid},{}", ctx.settings.ldap.users_dn);
    let values = HashSet::from([value.to_string()]);
    let change = if add {
        Mod::Add("sshPublicKey".to_string(), values)
    } else {
        Mod::Delete("sshPublicKey".to_string(), values)
    };
    let mut admin = ctx.ldap_admin().await;
    admin
        .modify(&dn, vec![change])
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = admin.unbind().await;
}

/// Runs `SELECT COUNT(*) ... WHERE <condition>` on the test's database, binding `value`.
pub async fn count_rows(ctx: &TestContext, condition: &str, value: &str) -> i64 {
    use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    let found: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM ssh_keys WHERE {condition}"
    ))
    .bind::<diesel::sql_types::Text, _>(value)
    .get_result(&mut conn)
    .await
    .unwrap();
    found.n
}

/// Makes an API token for the browser's user through the tokens page.
pub async fn api_token(browser: &Browser) -> String {
    let response = browser
        .post_form(
            "/account/tokens/",
            &[
                ("name", "keys script"),
                ("scope", "read_account"),
                ("scope", "manage_keys"),
            ],
        )
        .await;
    let page = response.text().await.unwrap();
    page.split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string()
}
