DROP TABLE messages;
DROP TABLE rooms;
DROP TABLE visitors;
DROP TABLE counters;
DROP SEQUENCE guest_numbers;
