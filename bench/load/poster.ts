// Authors posting at a set rate through POST /post/create. The send time is taken just before
// the request goes out; the answer (the post id) enters the post into the ledger with its
// recipients as the graph has them at that moment.
import http from 'node:http';
import { now } from '../clock.ts';
import { seededRandom } from '../random.ts';
import type { Ledger } from '../ledger.ts';
import { quantile } from '../stats.ts';
import type { Graph } from './graph.ts';

export interface PosterOptions {
  coreUrl: string;
  postsPerSecond: number;
  seconds: number;
  /** Share of posts written by celebrities. */
  celebrityShare: number;
  seed: number;
  /** Warm-up: posts are made the same way but left out of the ledger. */
  unmeasured?: boolean;
}

export interface PostStats {
  sent: number;
  failed: number;
  errors: string[];
  /** Request latency of POST /post/create, ms. */
  apiP99: number;
}

// Idle sockets are dropped after 4 s, long before the API ends an idle connection (75 s,
// core/src/http/listen.ts): a request sent on a socket the server is closing fails with
// ECONNRESET, and the run would count a post as failed that the API never saw.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });

export function createPost(coreUrl: string, token: string, text: string): Promise<number> {
  const body = JSON.stringify({ text });
  return new Promise((resolve, reject) => {
    const req = http.request(`${coreUrl}/post/create`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`POST /post/create ${res.statusCode}: ${data.slice(0, 200)}`));
        else resolve(Number(JSON.parse(data)));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function post(o: PosterOptions, graph: Graph, tokens: Map<number, string>, ledger: Ledger, online: Set<number>, progress?: (s: PostStats) => void): Promise<PostStats> {
  const rand = seededRandom(o.seed);
  const ordinary = graph.ids.filter((id) => !graph.celebrities.includes(id) && graph.followersOf.get(id)!.length > 0);
  const stats: PostStats = { sent: 0, failed: 0, errors: [], apiP99: 0 };
  const apiMs: number[] = [];
  const total = Math.round(o.postsPerSecond * o.seconds);
  const inFlight = new Set<Promise<void>>();
  const started = now();
  let lastProgress = started;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / o.postsPerSecond;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const celebrity = graph.celebrities.length > 0 && rand() < o.celebrityShare;
    const pool = celebrity ? graph.celebrities : ordinary;
    const author = pool[Math.floor(rand() * pool.length)]!;
    const recipients = graph.followersOf.get(author)!.filter((f) => online.has(f));
    const sentAt = now();
    const work = createPost(o.coreUrl, tokens.get(author)!, `load ${i} from ${author}`)
      .then((postId) => {
        const answeredAt = now();
        apiMs.push(answeredAt - sentAt);
        if (o.unmeasured) ledger.ignore(postId);
        else ledger.expect(postId, author, sentAt, recipients, celebrity ? 'celebrity' : 'ordinary', answeredAt);
        stats.sent++;
      })
      .catch((err: Error) => {
        stats.failed++;
        if (stats.errors.length < 5) stats.errors.push(err.message);
      });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    if (progress && now() - lastProgress > 1000) {
      lastProgress = now();
      progress(stats);
    }
  }
  await Promise.all(inFlight);
  stats.apiP99 = quantile(apiMs, 0.99);
  return stats;
}
