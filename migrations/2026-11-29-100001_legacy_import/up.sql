-- `bitu import-django`: which row of the Django original became which row here, so a second
-- run changes nothing and an interrupted run resumes. Written in the same transaction as the
-- rows it names.
CREATE TABLE legacy_import_map (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- The original's table, e.g. `accounts_token`.
    source_table VARCHAR(64) NOT NULL,
    -- The original's primary key, as text (numbers, UUIDs).
    legacy_id VARCHAR(64) NOT NULL,
    -- Our table and row id the row became.
    target_table VARCHAR(64) NOT NULL,
    target_id BIGINT UNSIGNED NOT NULL,
    imported_at DATETIME NOT NULL,
    UNIQUE KEY legacy_import_map_source (source_table, legacy_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- API tokens carried over from the original (DRF tokens: 40 hex characters, no `bitu_`
-- prefix). Only these are accepted in the unprefixed form.
ALTER TABLE api_tokens ADD COLUMN legacy BOOLEAN NOT NULL DEFAULT FALSE;
