// Every Redis key the system writes. Per-user keys share the hash tag `{u:<id>}` so that one
// user's feed, event log, presence and locks live in one Redis Cluster slot, and a Lua script
// may touch all of them at once. Post bodies are tagged by post, celebrity data by author.
export function createKeys(prefix: string) {
  const user = (id: string) => `{u:${id}}`;
  return {
    /** ZSET of post ids (score = id), newest last; member "0" marks the feed as built. */
    feed: (userId: string) => `${prefix}feed:${user(userId)}`,
    /** ZSET of post ids that arrived while the feed was being rebuilt, merged in at swap. */
    feedPending: (userId: string) => `${prefix}feed-pending:${user(userId)}`,
    /** SET of post ids removed while the feed was being rebuilt, taken out again at swap. */
    feedRemoved: (userId: string) => `${prefix}feed-removed:${user(userId)}`,
    /** String lock held while one reader rebuilds the feed from Postgres. */
    feedLock: (userId: string) => `${prefix}feed-lock:${user(userId)}`,
    /** STREAM of live events for resume. */
    log: (userId: string) => `${prefix}log:${user(userId)}`,
    /** String: the log's epoch; a new epoch means the old offsets mean nothing. */
    logEpoch: (userId: string) => `${prefix}log-epoch:${user(userId)}`,
    /** HASH event key → stream id, so a redelivered event is appended once. */
    logIndex: (userId: string) => `${prefix}log-index:${user(userId)}`,
    /** ZSET gateway id → expiry (ms): which gateways hold this user's sessions. */
    presence: (userId: string) => `${prefix}presence:${user(userId)}`,
    /** String (JSON) body of a post, or "" as a tombstone once deleted. */
    post: (postId: string) => `${prefix}post:{p:${postId}}`,
    /** ZSET of a celebrity's recent post ids, merged into followers' feeds at read time. */
    timeline: (authorId: string) => `${prefix}timeline:${user(authorId)}`,
    /** SET of the celebrities a user follows (member "0" marks it built); gateways read it. */
    celebrityFollows: (userId: string) => `${prefix}celebrity-follows:${user(userId)}`,
    /** ZSET gateway id → expiry (ms): gateways holding at least one follower of this celebrity. */
    audience: (authorId: string) => `${prefix}audience:${user(authorId)}`,
    /**
     * String: the newest celebrity post id timelines have received. A session starts above it, so
     * its resume replays exactly the celebrity posts written after it started, even when none of
     * its celebrities' timelines was cached at that moment.
     */
    celebrityPostsNewest: () => `${prefix}celebrity-posts-newest`,
    /** SET of authors currently treated as celebrities (to notice threshold crossings). */
    celebrities: () => `${prefix}celebrities`,
    /** ZSET gateway id → expiry (ms): gateways alive now. */
    gateways: () => `${prefix}gateways`,
    /** HASH gateway id → JSON {url}: where each gateway answers (its /metrics), for the cluster view. */
    gatewayInfo: () => `${prefix}gateway-info`,
    /** String "1" until the token's expiry: this access token (by its jti) was revoked (logout). */
    revokedToken: (userId: string, tokenId: string) => `${prefix}revoked:${user(userId)}:${tokenId}`,
    /** STREAM of recent revocations {u, t}, newest last: what gateways read each check period. */
    revocations: () => `${prefix}revocations`,
    /** HASH {tokens, at}: one rate-limit token bucket; each script call touches only this key. */
    rateBucket: (limit: string, subject: string) => `${prefix}rate:${limit}:${subject}`,
  };
}

export type Keys = ReturnType<typeof createKeys>;
