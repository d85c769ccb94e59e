// `npm run migrate`: applies pending migrations to DATABASE_URL.
import { migrate } from '../migrate.ts';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/feed';
await migrate(url, (msg) => console.log(msg));
console.log(`migrations applied to ${url.replace(/:[^:@/]*@/, ':***@')}`);
