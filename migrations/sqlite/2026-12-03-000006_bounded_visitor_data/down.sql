DROP INDEX offline_messages_email;
DROP TABLE room_pages;
ALTER TABLE visitors ADD COLUMN custom_fields TEXT;
UPDATE visitors SET custom_fields = (
    SELECT json_group_object(key, value) FROM visitor_fields
    WHERE visitor_fields.visitor_id = visitors.id
) WHERE id IN (SELECT visitor_id FROM visitor_fields);
DROP TABLE visitor_fields;
