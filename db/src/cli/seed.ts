// `npm run seed -- --users N [--posts-per-user K] [--celebrities C] [--database-url URL]`
// Bulk-loads generated users (password "password123"), a power-law follow graph and posts.
import { parseArgs } from 'node:util';
import { seed, seedDefaults } from '../seed/seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    'posts-per-user': { type: 'string' },
    celebrities: { type: 'string' },
    'celebrity-followers': { type: 'string' },
    'follows-per-user': { type: 'string' },
    seed: { type: 'string' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const USAGE = `usage: npm run seed -- --users N [--posts-per-user K] [--celebrities C]
       [--celebrity-followers F] [--follows-per-user M] [--seed S] [--database-url URL]`;

function number(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number >= ${min}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

if (values.help || values.users === undefined) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
const users = number('users', values.users, 0, 1);
if (!Number.isInteger(users)) {
  console.error(`--users must be an integer\n${USAGE}`);
  process.exit(2);
}
const defaults = seedDefaults(users);
const options = {
  ...defaults,
  postsPerUser: number('posts-per-user', values['posts-per-user'], defaults.postsPerUser),
  celebrities: Math.floor(number('celebrities', values.celebrities, defaults.celebrities)),
  celebrityFollowers: number('celebrity-followers', values['celebrity-followers'], defaults.celebrityFollowers, 1),
  followsPerUser: number('follows-per-user', values['follows-per-user'], defaults.followsPerUser),
  seed: Math.floor(number('seed', values.seed, defaults.seed)),
  progress: process.stderr.isTTY === true,
};
const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/feed';

const summary = await seed(databaseUrl, options);
console.log(`seeded ${databaseUrl.replace(/:[^:@/]*@/, ':***@')} in ${summary.seconds.toFixed(1)}s`);
console.log(`  users     ${summary.users.toLocaleString('en')} (ids ${summary.ids.first}..${summary.ids.last}, password "password123")`);
console.log(`  follows   ${summary.follows.toLocaleString('en')}`);
console.log(`  posts     ${summary.posts.toLocaleString('en')}`);
console.log(`  celebrities (threshold ${options.celebrityFollowers.toLocaleString('en')} followers):`);
for (const c of summary.celebrities) {
  console.log(`    ${c.id.padStart(9)}  ${c.name.padEnd(32)} ${c.followers.toLocaleString('en').padStart(9)} followers`);
}
