// Seeded randomness for benchmarks: the same "random" chunk cuts and run orders every time,
// so two runs of a bench measure the same thing and can be compared.

/**
 * A small, fast generator (mulberry32): floats in [0, 1), the same sequence for the same
 * seed. Not for anything secret; `node:crypto` is for that.
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

/** A copy of `list` in a random order (Fisher-Yates), drawn from `random`. */
export function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
