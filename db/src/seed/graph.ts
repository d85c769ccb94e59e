// The follow graph. Two parts, both heavy-tailed:
//  - a few designated celebrities, each followed by a fixed expected share of everyone
//    (the top one ~6x the celebrity threshold, the last ~1.5x), so their follower counts
//    clear the threshold by a wide margin;
//  - everyone else follows a lognormal number of ordinary accounts chosen by a Zipf law over
//    a random popularity ranking (P(rank k) ~ k^-0.6): a power-law in-degree where the most
//    popular ordinary accounts get thousands of followers and the median a handful.
// Users are addressed by offset 0..n-1 within the seeded id range. followees() is generated
// per follower, so duplicates are removed locally and the graph is never held in memory.
import { permutation, type Random } from './random.ts';

export interface GraphOptions {
  users: number;
  celebrities: number;
  /** Every celebrity is planned to get at least 1.5x this many followers. */
  celebrityFollowers: number;
  /** Mean number of ordinary accounts each user follows. */
  meanFollows: number;
}

export interface Graph {
  /** Celebrity offsets, most followed first, with the planned (expected) follower counts. */
  celebrities: { offset: number; planned: number }[];
  isCelebrity(offset: number): boolean;
  /** The offsets `follower` follows: ascending, without itself, without duplicates. */
  followees(follower: number): number[];
}

const ZIPF_EXPONENT = 0.6;
const DEGREE_SIGMA = 1;
const MAX_FOLLOWS = 1000;

export function createGraph(random: Random, options: GraphOptions): Graph {
  const n = options.users;
  const c = Math.min(options.celebrities, n);
  const byRank = permutation(n, random); // popularity rank -> offset
  const celebrity = new Uint8Array(n);
  const celebrities: { offset: number; planned: number }[] = [];
  for (let i = 0; i < c; i++) {
    const offset = byRank[i]!;
    celebrity[offset] = 1;
    const planned = Math.round(options.celebrityFollowers * 1.5 * (c / (i + 1)) ** 0.6);
    celebrities.push({ offset, planned: Math.min(planned, Math.floor(0.8 * (n - 1))) });
  }
  const celebrityChance = celebrities.map((x) => (n > 1 ? x.planned / (n - 1) : 0));

  // Ordinary accounts: ranks c..n-1. Inverse CDF of the continuous power law on [1, m + 1).
  const m = n - c;
  const oneMinusS = 1 - ZIPF_EXPONENT;
  const span = (m + 1) ** oneMinusS - 1;
  const ordinary = (): number => {
    const x = (span * random.next() + 1) ** (1 / oneMinusS);
    return byRank[c + Math.min(m - 1, Math.floor(x) - 1)]!;
  };
  const mu = Math.log(Math.max(options.meanFollows, 0.01)) - (DEGREE_SIGMA * DEGREE_SIGMA) / 2;
  const maxFollows = Math.min(MAX_FOLLOWS, m - 1);

  return {
    celebrities,
    isCelebrity: (offset) => celebrity[offset] === 1,
    followees(follower) {
      const chosen = new Set<number>();
      for (let i = 0; i < c; i++) {
        const offset = celebrities[i]!.offset;
        if (offset !== follower && random.next() < celebrityChance[i]!) chosen.add(offset);
      }
      if (maxFollows > 0 && options.meanFollows > 0) {
        const want = Math.min(maxFollows, Math.round(Math.exp(mu + DEGREE_SIGMA * random.normal())));
        const target = chosen.size + want;
        // Popular accounts repeat often; a bounded number of extra draws keeps it finite.
        for (let tries = 0; chosen.size < target && tries < want * 4; tries++) {
          const offset = ordinary();
          if (offset !== follower) chosen.add(offset);
        }
      }
      return Array.from(chosen).sort((a, b) => a - b);
    },
  };
}
