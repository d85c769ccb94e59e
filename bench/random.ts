// The benchmarks' seeded draws, from the repository's one seeded generator (the data
// generator's sfc32, `@feed/db/seed`), so a run with the same seed draws the same users,
// follows and pages.
import { createRandom } from '@feed/db/seed';

/** Numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  return createRandom(seed).next;
}

/** Whole numbers in [0, max), the same sequence for the same seed. */
export function seededIndex(seed: number): (max: number) => number {
  return createRandom(seed).int;
}
