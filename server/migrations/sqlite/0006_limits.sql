-- The reporter's network (a hash of its IPv4 /24 or IPv6 /64): "reported
-- closed" counts distinct networks, not addresses. Reports filed before
-- this count each reporter as its own network.
ALTER TABLE reports ADD COLUMN net_hash TEXT;
UPDATE reports SET net_hash = client_hash;

-- Retention deletes expired throttles by age.
CREATE INDEX throttles_window_start ON throttles (window_start);
