-- Sign-ups waiting for activation or provisioning. bitu-expire deletes old rows, freeing
-- the names. Unique keys make two racing sign-ups for one name end with one row.
CREATE TABLE signups (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- Developer name as it will be stored (first letter upper-cased).
    cn VARCHAR(150) NOT NULL,
    uid VARCHAR(32) NOT NULL,
    mail VARCHAR(254) NOT NULL,
    -- The userPassword value the directory will receive; never the clear password.
    password_hash VARCHAR(255) NOT NULL,
    -- SHA-256 of the activation token; the token itself is only in the mail.
    token_hash BINARY(32) NOT NULL,
    created_at DATETIME NOT NULL,
    link_expires_at DATETIME NOT NULL,
    activated_at DATETIME NULL,
    -- Allocated once, so a retried provisioning job reuses it.
    uid_number INT UNSIGNED NULL,
    provisioned_at DATETIME NULL,
    UNIQUE KEY signups_cn (cn),
    UNIQUE KEY signups_uid (uid),
    UNIQUE KEY signups_mail (mail),
    UNIQUE KEY signups_uid_number (uid_number),
    KEY signups_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Captchas shown on the sign-up form: answered once, then gone; shared by every web host.
CREATE TABLE signup_captchas (
    id BINARY(16) NOT NULL PRIMARY KEY,
    answer VARCHAR(16) NOT NULL,
    expires_at DATETIME NOT NULL,
    KEY signup_captchas_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_general_ci;

-- The next POSIX user id to hand out; the row lock serialises allocation across workers.
CREATE TABLE uid_number_counter (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    next_value INT UNSIGNED NOT NULL
) ENGINE=InnoDB;
