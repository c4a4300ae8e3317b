-- Personal API tokens; only a SHA-256 of each value is kept.
CREATE TABLE api_tokens (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uid VARCHAR(32) NOT NULL,
    name VARCHAR(100) NOT NULL,
    token_hash BINARY(32) NOT NULL,
    -- The first characters of the value, so owners can tell their tokens apart.
    hint VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL,
    last_used_at DATETIME NULL,
    UNIQUE KEY api_tokens_token_hash (token_hash),
    KEY api_tokens_uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
