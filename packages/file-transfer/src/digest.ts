// Support: checksums, how each side proves it holds the same bytes. TCP's own checksum is 16
// bits and misses some corruption (a bad NIC, a bit flipped in RAM or on disk); a
// cryptographic digest of the whole file does not. Both sides hash the bytes as they stream
// past, so checking costs no second read of the file.
//
// Default BLAKE3: it is fast on any CPU with SIMD, so checking never limits a transfer.
// SHA-256 is fast only on CPUs with SHA extensions, and several times slower without them
// (BENCH.md has the figures). `--hash sha256` stays for `sha256sum`.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Blake3Hasher } from '@napi-rs/blake-hash';
import type { HashName } from './protocol.js';

/** 1 MiB per read when hashing what a file already holds (a resume's prefix). */
const PREFIX_READ_BYTES = 1024 * 1024;

/** A running digest. `digest()` covers the bytes so far and may be called again after more. */
export interface Hasher {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

/** The command that checks our digest lines: `b3sum -c` or `sha256sum -c`. */
export const SUM_TOOLS: Record<Exclude<HashName, 'none'>, string> = {
  blake3: 'b3sum',
  sha256: 'sha256sum',
};

/** A fresh hasher for `name`. `none` hashes nothing and returns an empty digest. */
export function createHasher(name: HashName): Hasher {
  switch (name) {
    case 'blake3': {
      // BLAKE3's finalize does not consume the state, so digest() can be asked for twice.
      const h = new Blake3Hasher();
      return { update: (data) => h.update(data), digest: () => h.digestBuffer() };
    }
    case 'sha256': {
      const h: Hash = createHash('sha256');
      // A node:crypto Hash ends at digest(); a copy gives the digest so far and keeps going.
      return { update: (data) => h.update(data), digest: () => h.copy().digest() };
    }
    case 'none':
      return { update: () => {}, digest: () => Buffer.alloc(0) };
  }
}

/**
 * One line as `sha256sum` or `b3sum` prints it: hex, two spaces, the path. A path with a
 * backslash or a newline is escaped the way those tools do it (the line then starts with
 * `\`), so `sha256sum -c` and `b3sum -c` read our output. coreutils 9 also escapes a carriage
 * return; b3sum 1.2 does not.
 */
export function sumLine(hash: Exclude<HashName, 'none'>, digest: Buffer, path: string): string {
  const special = hash === 'sha256' ? /[\\\n\r]/ : /[\\\n]/;
  const hex = digest.toString('hex');
  if (!special.test(path)) return `${hex}  ${path}`;
  let escaped = path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  if (hash === 'sha256') escaped = escaped.replace(/\r/g, '\\r');
  return `\\${hex}  ${escaped}`;
}

/**
 * Feeds the first `bytes` of an open file to `hasher`: the prefix both sides compare before a
 * resume. Throws if the file is shorter.
 */
export async function hashPrefix(handle: FileHandle, bytes: number, hasher: Hasher): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(PREFIX_READ_BYTES, Math.max(bytes, 1)));
  for (let position = 0; position < bytes; ) {
    const want = Math.min(buffer.length, bytes - position);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    if (bytesRead === 0) throw new Error(`file ended after ${position} of ${bytes} bytes`);
    hasher.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}
