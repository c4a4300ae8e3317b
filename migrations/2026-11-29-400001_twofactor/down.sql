DROP TABLE twofactor_recovery_codes;
DROP TABLE twofactor_secrets;
