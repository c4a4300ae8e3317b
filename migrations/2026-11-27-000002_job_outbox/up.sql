-- Jobs written in the same transaction as the state change they belong to; a relay pushes
-- them to Redis and deletes the row, so a job survives a Redis outage or a crash.
CREATE TABLE job_outbox (
    -- Order of writing; the relay pushes oldest first.
    seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- The job's id, also inside the envelope; Redis ignores a second push of it.
    job_id CHAR(32) NOT NULL,
    -- Queue name (`default`, `notification`).
    queue VARCHAR(32) NOT NULL,
    -- The job as versioned JSON.
    envelope MEDIUMTEXT NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE INDEX job_outbox_job_id (job_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
