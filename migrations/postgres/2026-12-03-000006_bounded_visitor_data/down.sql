DROP INDEX offline_messages_email;
DROP TABLE room_pages;
ALTER TABLE visitors ADD COLUMN custom_fields TEXT;
UPDATE visitors SET custom_fields = fields.object::text
FROM (
    SELECT visitor_id, jsonb_object_agg(key, value) AS object
    FROM visitor_fields GROUP BY visitor_id
) AS fields
WHERE fields.visitor_id = visitors.id;
DROP TABLE visitor_fields;
