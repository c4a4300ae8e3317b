-- One row per timer job (bitu-blocksync, bitu-expire): when it last ran, succeeded and failed,
-- whichever host or trigger (systemd timer, bitu-rq's scheduler, by hand) ran it. Metrics
-- read it, so an alert can fire on "no successful run for two days".
CREATE TABLE timer_runs (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    last_started_at DATETIME(3) NULL,
    last_success_at DATETIME(3) NULL,
    last_failure_at DATETIME(3) NULL,
    last_duration_ms BIGINT UNSIGNED NULL,
    -- First line of the last failure's reason.
    last_error VARCHAR(1000) NULL,
    -- What started the last run: timer, scheduler or manual.
    last_trigger VARCHAR(16) NULL,
    last_host VARCHAR(255) NULL,
    successes BIGINT UNSIGNED NOT NULL DEFAULT 0,
    failures BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
