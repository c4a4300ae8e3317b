DROP TABLE blocklist_ip_blocks;
DROP TABLE blocklist_versions;
DROP TABLE blocklist_entries;
