// Seeding options and how their defaults scale with the number of users.

export interface SeedOptions {
  users: number;
  /** Mean posts per user (skewed: exponential; celebrities post 4x more). */
  postsPerUser: number;
  celebrities: number;
  /** Each celebrity is planned to get at least 1.5x this many followers. */
  celebrityFollowers: number;
  /** Mean number of ordinary accounts each user follows. */
  followsPerUser: number;
  /** Share of Russian profiles, 0..1. */
  russianShare: number;
  seed: number;
  progress: boolean;
}

/**
 * 1,000,000 users: 10 celebrities with >= 15,000 planned followers each (threshold 10,000).
 * Fewer users: fewer celebrities and a threshold of 10% of the users, so that a 3,000-user
 * seed still has a few accounts far above the rest.
 */
export function seedDefaults(users: number): SeedOptions {
  return {
    users,
    postsPerUser: 3,
    celebrities: Math.max(1, Math.min(Math.max(3, Math.round(users / 100_000)), 50, Math.floor(users / 100))),
    celebrityFollowers: Math.max(1, Math.min(10_000, Math.floor(users / 10))),
    followsPerUser: 6,
    russianShare: 0.5,
    seed: 1,
    progress: false,
  };
}
