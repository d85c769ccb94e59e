-- Up Migration

-- /user/search, measured on 1,000,000 generated users (docs/benchmarks.md, "User search"):
-- with the original index the planner either fetched every matching heap row before sorting
-- them by id (10,000 rows for a one-letter prefix of each name: ~50 ms) or, when it
-- underestimated how rarely both prefixes match together (it multiplies their selectivities;
-- a Latin first name with a Cyrillic surname matches nobody), walked the primary key in id
-- order filtering every row: seconds.
--
-- searchUsers now picks the ids first, from this index alone, and reads only those rows.
-- An index-only scan needs every column the query mentions to be in the index; the planner
-- does not see that lower(first_name) alone would do, so first_name and second_name are
-- INCLUDEd (payload only, not part of the key). The id, the sort key, was already a key column.
DROP INDEX users_name_prefix;
CREATE INDEX users_name_prefix
  ON users (lower(first_name) text_pattern_ops, lower(second_name) text_pattern_ops, id)
  INCLUDE (first_name, second_name);

-- Down Migration
DROP INDEX users_name_prefix;
CREATE INDEX users_name_prefix
  ON users (lower(first_name) text_pattern_ops, lower(second_name) text_pattern_ops, id);
