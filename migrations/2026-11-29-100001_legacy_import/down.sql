ALTER TABLE api_tokens DROP COLUMN legacy;
DROP TABLE legacy_import_map;
