-- Confusable skeletons (bitu_core::names::skeleton) of every developer name in use: LDAP
-- entries (filled at provisioning and by `bitu names backfill` / bitu-blocksync) and pending
-- sign-ups. A new name whose skeleton is here looks like an existing one: one index probe.
CREATE TABLE name_skeletons (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- SHA-256 of the skeleton: fixed size whatever the name, so the unique index stays small.
    skeleton_hash BINARY(32) NOT NULL,
    -- The name the skeleton was taken from, named in the refusal.
    name VARCHAR(255) NOT NULL,
    -- The pending sign-up holding the name; NULL once the name is in the directory. Deleting
    -- the sign-up (expiry) frees the skeleton.
    signup_id BIGINT UNSIGNED NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY name_skeletons_skeleton (skeleton_hash),
    KEY name_skeletons_signup (signup_id),
    CONSTRAINT name_skeletons_signup_fk FOREIGN KEY (signup_id) REFERENCES signups (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
