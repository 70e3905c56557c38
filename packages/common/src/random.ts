// Seeded randomness: the same "random" numbers for the same seed, so that a run can be
// replayed (fault-proxy's decisions) or compared with another (the benches' chunk cuts).

/**
 * mulberry32: a small, fast generator of floats in [0, 1), the same sequence for the same
 * seed. Good enough to pick which datagram to drop; never for anything secret
 * (`node:crypto` is for that).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
