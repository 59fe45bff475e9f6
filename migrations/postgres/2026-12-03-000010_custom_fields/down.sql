DROP TABLE room_fields;
DROP TABLE custom_fields;
