DROP TABLE uid_number_counter;
DROP TABLE signup_captchas;
DROP TABLE signups;
