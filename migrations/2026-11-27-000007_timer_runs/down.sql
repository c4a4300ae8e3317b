DROP TABLE timer_runs;
