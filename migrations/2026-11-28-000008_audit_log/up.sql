-- The audit trail: one row per change, written in the change's own transaction, so a change
-- without its row cannot exist. Rows never hold secrets; bitu-expire deletes old ones.
CREATE TABLE audit_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- When the change was made (UTC, microseconds).
    at DATETIME(6) NOT NULL,
    -- Shell username of whoever acted; NULL for an anonymous visitor or the system.
    actor_uid VARCHAR(32) NULL,
    -- How the actor proved who they are: session, token, cli, link, anonymous, system.
    actor_kind VARCHAR(16) NOT NULL,
    -- The API token's id (kind token) or the OS user (kind cli).
    actor_detail VARCHAR(64) NULL,
    -- Stable dotted name, e.g. `account.password.change`.
    action VARCHAR(64) NOT NULL,
    -- What was changed: user (uid), group (DN), key (fingerprint), token (id).
    target_kind VARCHAR(16) NOT NULL,
    target VARCHAR(255) NOT NULL,
    -- The account the change concerns, so each person can see their own rows.
    subject_uid VARCHAR(32) NULL,
    -- The client's address, for web requests.
    client_address VARCHAR(45) NULL,
    -- success, refused or failed.
    outcome VARCHAR(16) NOT NULL,
    -- Details without secrets, as a JSON object.
    detail TEXT NOT NULL,
    INDEX audit_log_at (at),
    INDEX audit_log_actor (actor_uid, at),
    INDEX audit_log_target (target, at),
    INDEX audit_log_subject (subject_uid, at),
    INDEX audit_log_action (action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
