// The benchmarks' one seeded generator (mulberry32: small, fast, and good enough to draw graphs
// and samples), so a run with the same seed draws the same users, follows and pages.

/** Numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole numbers in [0, max), the same sequence for the same seed. */
export function seededIndex(seed: number): (max: number) => number {
  const next = seededRandom(seed);
  return (max) => Math.floor(next() * max);
}
