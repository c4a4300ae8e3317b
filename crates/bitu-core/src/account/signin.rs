//! Sign-in: find the entry by shell username or developer name, then bind as it, so the
//! directory's password policy (locks, blocks) decides.

use tracing::instrument;

use crate::directory::{Directory, DirectoryUser, Filter};
use crate::error::Result;

/// The entry of `name` (a uid, or a developer name) if `password` binds as it.
/// Unknown names cost a bind too, so timing does not tell which names exist.
#[instrument(skip(directory, password))]
pub async fn authenticate(
    directory: &Directory,
    name: &str,
    password: &str,
) -> Result<Option<DirectoryUser>> {
    let name = name.trim();
    if name.is_empty() || password.is_empty() {
        return Ok(None);
    }
    let candidates = directory
        .find_users_where(Filter::Or(vec![
            Filter::eq("uid", name),
            Filter::eq("cn", name),
        ]))
        .await?;
    // A uid is unique; prefer it over a developer name that happens to look the same.
    let user = candidates
        .iter()
        .find(|user| user.uid().eq_ignore_ascii_case(name))
        .or_else(|| candidates.first())
        .cloned();
    let Some(user) = user else {
        let _ = directory
            .verify_password(&directory.user_dn("\u{1}no-such-user"), password)
            .await;
        crate::metrics::signin(false);
        return Ok(None);
    };
    let ok = directory.verify_password(user.dn(), password).await?;
    crate::metrics::signin(ok);
    Ok(ok.then_some(user))
}
