-- Up Migration

-- Users. Profile fields are optional, as in the OTUS contract; only the password is required.
CREATE TABLE users (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  first_name     text,
  second_name    text,
  birthdate      date,
  biography      text,
  city           text,
  password_hash  text        NOT NULL,
  follower_count integer     NOT NULL DEFAULT 0,  -- kept in step with follows; decides who is a celebrity
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- /user/search is a case-insensitive prefix match on both names, ordered by id.
-- text_pattern_ops lets LIKE 'prefix%' use the btree whatever the collation.
CREATE INDEX users_name_prefix
  ON users (lower(first_name) text_pattern_ops, lower(second_name) text_pattern_ops, id);

-- One-way friendship: follower_id follows followee_id.
CREATE TABLE follows (
  follower_id bigint      NOT NULL REFERENCES users (id),
  followee_id bigint      NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CONSTRAINT follows_not_self CHECK (follower_id <> followee_id)
);
-- Fan-out reads "who follows this author" in batches.
CREATE INDEX follows_by_followee ON follows (followee_id, follower_id);

-- Posts. The id is a sequence: strictly increasing, it orders feeds and serves as a cursor.
-- Deletion is soft so that late events can still name the post; readers never see deleted rows.
CREATE TABLE posts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  author_id  bigint      NOT NULL REFERENCES users (id),
  text       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  deleted_at timestamptz
);
CREATE INDEX posts_by_author ON posts (author_id, id DESC) WHERE deleted_at IS NULL;

-- Transactional outbox: every write other services must hear about adds a row here in the
-- same transaction. The relay publishes pending rows in id order and stamps published_at.
CREATE TABLE outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type    text        NOT NULL,  -- routing key on the domain exchange, e.g. post.created
  partition_key bigint      NOT NULL,  -- the author whose events must stay in order
  payload       jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;

-- Wake the relay at commit time instead of making it poll. One notification per
-- statement; Postgres folds identical notifications within a transaction.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Down Migration
DROP TABLE outbox;
DROP FUNCTION outbox_notify();
DROP TABLE posts;
DROP TABLE follows;
DROP TABLE users;
