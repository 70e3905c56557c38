// Seeded randomness for benchmarks: the same "random" chunk cuts and run orders every time,
// so two runs of a bench measure the same thing and can be compared.

// The generator itself is common's: fault-proxy decides with it at run time.
export { seededRandom } from '@socket-lab/common';

/** A copy of `list` in a random order (Fisher-Yates), drawn from `random`. */
export function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
