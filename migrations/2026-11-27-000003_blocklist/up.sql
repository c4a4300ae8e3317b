-- Username block list entries: imported from wikis' Titleblacklist pages, or added by hand.
CREATE TABLE blocklist_entries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- `manual`, or the name of the configured source the entry came from.
    origin VARCHAR(64) NOT NULL,
    -- 1-based line in the source page, so an operator can find the entry there.
    line INT NULL,
    -- The regular expression as written on the page (before MediaWiki's `_` to space rewrite).
    pattern TEXT NOT NULL,
    -- Recognised options in canonical order, e.g. `casesensitive|newaccountonly`.
    options VARCHAR(1024) NOT NULL DEFAULT '',
    -- The text after `#` on the entry's line, or the reason given by `bitu blocklist add`.
    comment TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    -- Last time a sync saw the entry on its page; stale entries are deleted.
    last_seen DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE KEY blocklist_entries_identity (origin, pattern, options) USING HASH,
    INDEX blocklist_entries_origin_seen (origin, last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Bumped in the same transaction as every change, so daemons reload the matcher only then.
CREATE TABLE blocklist_versions (
    name VARCHAR(32) NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO blocklist_versions (name, version) VALUES ('patterns', 0), ('ip_blocks', 0);

-- Global IP blocks imported from a wiki's list=globalblocks.
CREATE TABLE blocklist_ip_blocks (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    origin VARCHAR(64) NOT NULL,
    -- The block's id on the wiki.
    block_id BIGINT NOT NULL,
    -- CIDR form, e.g. 192.0.2.0/24 or 2001:db8::/32; single addresses as /32 or /128.
    network VARCHAR(64) NOT NULL,
    -- First and last address as 16 bytes (IPv4 mapped into IPv6), for range lookups.
    range_start VARBINARY(16) NOT NULL,
    range_end VARBINARY(16) NOT NULL,
    -- Wiki the block was made on, and by whom.
    wiki VARCHAR(64) NOT NULL,
    blocked_by VARCHAR(255) NOT NULL,
    reason TEXT NOT NULL,
    blocked_at DATETIME NOT NULL,
    -- NULL: does not expire.
    expiry DATETIME NULL,
    created_at DATETIME NOT NULL,
    last_seen DATETIME NOT NULL,
    UNIQUE KEY blocklist_ip_blocks_block (origin, block_id),
    INDEX blocklist_ip_blocks_range (range_start, range_end),
    INDEX blocklist_ip_blocks_expiry (expiry)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
