-- Browser sessions of bitu-web; kept in MariaDB so a restart or a failover logs no one out.
CREATE TABLE web_sessions (
    -- SHA-256 of the session key; the cookie value itself is never stored.
    id BINARY(32) NOT NULL PRIMARY KEY,
    -- The session state as JSON.
    state MEDIUMTEXT NOT NULL,
    -- Shell username of the signed-in user, so all of a user's sessions can be ended.
    user_uid VARCHAR(32) NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    INDEX web_sessions_expires_at (expires_at),
    INDEX web_sessions_user_uid (user_uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
