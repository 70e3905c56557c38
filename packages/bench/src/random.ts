// Seeded randomness for benchmarks: the same "random" chunk cuts and run orders every time,
// so two runs of a bench measure the same thing and can be compared; and bytes to fill the
// files that benches and tests send.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

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

/**
 * A source of incompressible bytes (nothing a link could compress), `n` more at each call: an
 * AES-256-CTR keystream, which the CPU's AES instructions make fast enough to fill gigabytes.
 * The same `seed` gives the same bytes however they are asked for; with no seed, a new key
 * each time.
 */
export function randomByteSource(seed?: string): (n: number) => Buffer {
  const key = seed === undefined ? randomBytes(32) : createHash('sha256').update(seed).digest();
  const iv = seed === undefined ? randomBytes(16) : Buffer.alloc(16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  let zeros = Buffer.alloc(0);
  // Zeros encrypted in counter mode come out as the keystream itself.
  return (n) => {
    if (zeros.length < n) zeros = Buffer.alloc(n);
    return cipher.update(zeros.subarray(0, n));
  };
}
