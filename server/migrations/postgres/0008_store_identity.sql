-- Which store this is: drawn once, when the store is made (or first
-- upgraded to this schema), and kept by copies and backups of it. An index
-- image (server/src/index/image.rs) names the store it was made from, so
-- that a server never starts from the image of another one.
CREATE TABLE store_identity (
    id TEXT NOT NULL
);
INSERT INTO store_identity (id) VALUES (replace(gen_random_uuid()::text, '-', ''));
