ALTER TABLE rooms DROP COLUMN call_status;
ALTER TABLE rooms DROP COLUMN survey_feedback;
DROP TABLE outbox;
