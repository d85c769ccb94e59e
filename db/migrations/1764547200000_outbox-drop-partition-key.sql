-- Up Migration

-- Nothing reads partition_key: the fan-out worker orders each author's (or follower's) events
-- by the body it consumes, and the relay publishes in id order.
ALTER TABLE outbox DROP COLUMN partition_key;

-- Down Migration
ALTER TABLE outbox ADD COLUMN partition_key bigint;
