-- Runs once, when the postgres container initialises an empty data volume.
-- One database per service; each service owns its schema through its migrations.
CREATE DATABASE catalog;
CREATE DATABASE enrollment;
CREATE DATABASE payments;
CREATE DATABASE issuance;
