-- SSH public keys of each user, per system that holds keys. The system (the LDAP directory)
-- decides which keys are active; a suspended key is kept here only.
CREATE TABLE ssh_keys (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uid VARCHAR(32) NOT NULL,
    key_system VARCHAR(32) NOT NULL,
    key_type VARCHAR(64) NOT NULL,
    bits INT UNSIGNED NOT NULL,
    -- As `ssh-keygen -l` prints it: SHA256:<base64 without padding>; case matters (utf8mb4_bin).
    fingerprint VARCHAR(64) NOT NULL,
    -- The key line written to the system: type, base64 key data and comment.
    public_key TEXT NOT NULL,
    comment VARCHAR(255) NOT NULL,
    active BOOLEAN NOT NULL,
    -- Found in the system rather than added through Bitu.
    imported BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    -- One key (type and key data, whatever its comment) belongs to one account only.
    UNIQUE KEY ssh_keys_fingerprint (key_system, fingerprint),
    KEY ssh_keys_uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
