//! Shared steps: users with roles, tokens with scopes, and locking an account with the real
//! `ldapmodify`.

use std::io::Write;
use std::process::{Command, Stdio};

use bitu_testkit::{Browser, TestContext};

/// Password of every user these tests make.
pub const PASSWORD: &str = "Amber-Falcon-Orchard-31";

/// Makes an API token with `scopes` through the tokens page of a signed-in browser.
pub async fn token_with(browser: &Browser, scopes: &[&str]) -> String {
    let mut fields = vec![("name", "matrix")];
    fields.extend(scopes.iter().map(|scope| ("scope", *scope)));
    let page = browser
        .post_form("/account/tokens/", &fields)
        .await
        .text()
        .await
        .unwrap();
    page.split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no token made: {page}"))
        .to_string()
}

/// Runs the `ldapmodify` command as the rootDN with `ldif`.
pub fn ldapmodify(ctx: &TestContext, ldif: &str) {
    let mut child = Command::new("ldapmodify")
        .args(["-x", "-H", &ctx.env.ldap_url, "-D"])
        .arg(&ctx.env.ldap_admin_dn)
        .args(["-w", &ctx.env.ldap_admin_password])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("ldapmodify (ldap-utils) must be installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ldif.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "ldapmodify failed: {ldif}");
}

/// Locks `uid` the way ppolicy does after too many failures.
pub fn lock(ctx: &TestContext, uid: &str) {
    let dn = format!("uid={uid},{}", ctx.settings.ldap.users_dn);
    ldapmodify(
        ctx,
        &format!(
            "dn: {dn}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n"
        ),
    );
}

/// Adds a group under the test's groups OU with the given object classes and attributes;
/// returns its DN.
pub async fn add_group(ctx: &TestContext, cn: &str, attrs: &[(&str, &[&str])]) -> String {
    let dn = format!("cn={cn},{}", ctx.settings.ldap.groups_dn);
    let mut all: Vec<(&str, &[&str])> = vec![("cn", std::slice::from_ref(&cn))];
    all.extend_from_slice(attrs);
    let mut admin = ctx.ldap_admin().await;
    bitu_testkit::directory::add(&mut admin, &dn, &all).await;
    let _ = admin.unbind().await;
    dn
}

/// DN of a user of the test.
pub fn user_dn(ctx: &TestContext, uid: &str) -> String {
    format!("uid={uid},{}", ctx.settings.ldap.users_dn)
}
