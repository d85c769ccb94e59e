export * from './pool.ts';
export * from './migrate.ts';
export * as users from './users.ts';
export type { User, Profile } from './users.ts';
export * as follows from './follows.ts';
export * as posts from './posts.ts';
export type { Post } from './posts.ts';
export * as outbox from './outbox.ts';
export { feedFromDatabase } from './feed.ts';
