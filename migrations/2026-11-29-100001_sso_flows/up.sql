-- Started sign-ins and account linkings (OpenID Connect, OAuth 2.0), kept here rather than in
-- a process so the provider's callback can finish on any bitu-web host. Only a SHA-256 of the
-- state is kept; a row is deleted when its callback comes (single use) or by bitu-expire.
CREATE TABLE sso_flows (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    state_hash BINARY(32) NOT NULL,
    backend VARCHAR(64) NOT NULL,
    nonce VARCHAR(128) NOT NULL,
    pkce_verifier VARCHAR(128) NOT NULL,
    next_path VARCHAR(2048) NOT NULL,
    -- Who started a linking (its callback must come in their session); NULL for a sign-in.
    uid VARCHAR(32) NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY sso_flows_state_hash (state_hash),
    KEY sso_flows_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
