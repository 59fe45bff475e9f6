DROP TABLE file_chunks;
DROP TABLE files;
