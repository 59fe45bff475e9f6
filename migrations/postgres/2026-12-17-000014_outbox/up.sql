-- The outbox (SPEC sections 17 and 18): every e-mail and webhook delivery is a row, written
-- in the same transaction as what caused it, so nothing acknowledged is lost and nothing
-- refused is sent. Any instance delivers a due row under a lease (`lease_owner`,
-- `lease_until`), so two instances never send one row at once and a dead instance's lease
-- runs out. A delivered row is deleted; one that finally failed keeps `failed_at` and its
-- last error.
--
-- `seq` is the commit order of the rows of one room: their writes lock the room first, so
-- a room's rows are numbered in the order their transactions commit. A room's webhooks go
-- one at a time in that order (`room_id`); mail has no room order.
CREATE TABLE outbox (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    event TEXT NOT NULL,
    room_id TEXT,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE failed_at IS NULL;
CREATE INDEX outbox_room ON outbox (room_id, seq) WHERE failed_at IS NULL;

-- The visitor's rating (`livechat/room.survey`): a JSON object of item names to values.
ALTER TABLE rooms ADD COLUMN survey_feedback TEXT;
-- `livechat/visitor.callStatus`, stored only.
ALTER TABLE rooms ADD COLUMN call_status TEXT;
