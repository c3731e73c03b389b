-- A toilet's detailed facts (seated, squat, grab rails, stalls, grade,
-- the manager's phone …: shared/src/details.rs), as a JSON object of the
-- known ones in their declared order; NULL when none is known. One column
-- rather than one per fact: the facts are read into memory and filtered
-- there, never queried by SQL, and a new fact needs no migration.
ALTER TABLE toilets ADD COLUMN details TEXT;
