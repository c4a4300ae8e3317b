-- Two-factor sign-in (TOTP). The secret is stored only encrypted (AES-256-GCM under the key
-- of `[twofactor] key_file`, the account's uid as associated data); `key_id` names that key,
-- so `bitu twofactor rotate-key` knows which rows still need the old one. A row with
-- enabled = 0 is an enrolment waiting for its first correct code.
CREATE TABLE twofactor_secrets (
    uid VARCHAR(32) NOT NULL PRIMARY KEY,
    secret_encrypted VARBINARY(255) NOT NULL,
    key_id VARCHAR(16) NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    enabled_at DATETIME NULL,
    KEY twofactor_secrets_key_id (key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Single-use recovery codes; only a SHA-256 of each is kept.
CREATE TABLE twofactor_recovery_codes (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uid VARCHAR(32) NOT NULL,
    code_hash BINARY(32) NOT NULL,
    created_at DATETIME NOT NULL,
    used_at DATETIME NULL,
    UNIQUE KEY twofactor_recovery_codes_hash (uid, code_hash),
    KEY twofactor_recovery_codes_uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
