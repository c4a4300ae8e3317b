-- Group access requests: one row per request with its state, and its history (creation,
-- managers' votes with their comments, cancellation, expiry, revocation) as events.
CREATE TABLE access_requests (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- Shell username of the requester.
    uid VARCHAR(32) NOT NULL,
    -- DN of the requested group, as configured.
    group_dn VARCHAR(255) NOT NULL,
    -- pending, approved, rejected, cancelled, expired, revoked, member (already a member).
    state VARCHAR(16) NOT NULL,
    -- Whether the directory change the state implies (member added or removed) has landed.
    applied BOOLEAN NOT NULL DEFAULT FALSE,
    -- The requester's reason.
    comment TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    -- When the state last changed.
    decided_at DATETIME(6) NULL,
    -- When an approved grant ends by itself (groups with grant_for).
    grant_ends_at DATETIME(6) NULL,
    -- Expiry warnings sent: 0 none, 1 the first, 2 the last.
    warnings_sent TINYINT UNSIGNED NOT NULL DEFAULT 0,
    -- The request this one renews, keeping the history together.
    renews BIGINT UNSIGNED NULL,
    -- 1 while pending, NULL otherwise: at most one pending request per user and group.
    open_key TINYINT UNSIGNED NULL,
    UNIQUE INDEX access_requests_one_open (uid, group_dn, open_key),
    INDEX access_requests_group_state (group_dn, state),
    INDEX access_requests_state_created (state, created_at),
    INDEX access_requests_grant_ends (state, grant_ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE access_request_events (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id BIGINT UNSIGNED NOT NULL,
    at DATETIME(6) NOT NULL,
    -- Who acted; NULL for Bitu itself (rules, timers, jobs).
    actor_uid VARCHAR(32) NULL,
    -- created, approve, reject, cancel, applied, expire, revoke, warn.
    kind VARCHAR(16) NOT NULL,
    comment TEXT NOT NULL,
    -- For votes: indices of the group's manager_approval rules the manager counted for.
    rules VARCHAR(255) NOT NULL DEFAULT '',
    INDEX access_request_events_request (request_id, at),
    INDEX access_request_events_actor (actor_uid, at),
    CONSTRAINT access_request_events_request_fk FOREIGN KEY (request_id)
        REFERENCES access_requests (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
