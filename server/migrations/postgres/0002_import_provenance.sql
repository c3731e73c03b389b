-- The coordinate system a toilet's source list used (positions are always
-- stored in WGS-84), and an index for an import's "which of this source's
-- toilets are missing from the new list" question.
ALTER TABLE toilets ADD COLUMN source_crs TEXT NOT NULL DEFAULT 'wgs84'
    CHECK (source_crs IN ('wgs84', 'gcj02', 'bd09'));

CREATE INDEX toilets_source_status ON toilets (source, status);
