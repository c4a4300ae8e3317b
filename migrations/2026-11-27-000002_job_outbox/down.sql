DROP TABLE job_outbox;
