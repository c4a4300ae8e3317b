-- What each API token may do (comma-separated scope names) and when it stops working.
ALTER TABLE api_tokens
    ADD COLUMN scopes VARCHAR(255) NOT NULL DEFAULT '',
    ADD COLUMN expires_at DATETIME NULL;
-- Tokens made before scopes existed keep what the API let them do then, for 90 days from
-- their creation (the default lifetime).
UPDATE api_tokens
SET scopes = 'read_account,manage_keys,check_ip_blocks',
    expires_at = created_at + INTERVAL 90 DAY;
ALTER TABLE api_tokens MODIFY expires_at DATETIME NOT NULL;
