-- Blocks and unblocks of accounts by account managers. The comment and manager are public
-- (the ban log); the old mail address is for managers only.
CREATE TABLE block_actions (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uid VARCHAR(64) NOT NULL,
    action VARCHAR(16) NOT NULL,
    manager VARCHAR(64) NOT NULL,
    comment TEXT NOT NULL,
    -- Block: clear `mail`; unblock: unused.
    unset_email BOOLEAN NOT NULL,
    -- Block: move the SSH keys to the suspended store; unblock: bring them back.
    move_keys BOOLEAN NOT NULL,
    -- The `mail` value a block cleared, so an unblock can offer it back.
    old_mail VARCHAR(255) NULL,
    -- Ids (ssh_keys) of the keys a block suspended, comma-separated, for the unblock.
    suspended_keys TEXT NULL,
    created_at DATETIME NOT NULL,
    KEY block_actions_uid (uid, id),
    KEY block_actions_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per system an action applies to, with its progress.
CREATE TABLE block_systems (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    action_id BIGINT UNSIGNED NOT NULL,
    system VARCHAR(32) NOT NULL,
    -- pending, done or failed.
    state VARCHAR(16) NOT NULL,
    reason TEXT NULL,
    -- When the worker tries a failed system again.
    retry_at DATETIME NULL,
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    updated_at DATETIME NOT NULL,
    UNIQUE KEY block_systems_action_system (action_id, system),
    CONSTRAINT block_systems_action FOREIGN KEY (action_id) REFERENCES block_actions (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
