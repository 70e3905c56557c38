// The files the benchmark sends, and the tests too: incompressible bytes or lines of text,
// written a block at a time (never whole in memory) and hashed on the way, so the maker knows
// the digest a received copy must have.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { randomByteSource } from '@socket-lab/bench/random';
import { createHasher } from '../src/digest.js';

/** 1 MiB per write: few system calls, and a 4 GiB file costs no more memory than a small one. */
const BLOCK_BYTES = 1024 * 1024;

/**
 * Writes `size` incompressible bytes to `file` (bench/random's keystream): the same `seed`
 * gives the same file; with none, new bytes each time. Returns the file's BLAKE3 digest.
 */
export function makeRandomFile(file: string, size: number, seed?: string): Promise<Buffer> {
  const random = randomByteSource(seed);
  return writeHashed(file, size, (most) => random(Math.min(BLOCK_BYTES, most)));
}

/** A text file of 63-character lines, like a log: what the seed's line-by-line sender expects. */
export function makeTextFile(file: string, size: number): Promise<Buffer> {
  const line = `${'the quick brown fox jumps over the lazy dog 0123456789'.padEnd(62, '.')}\n`;
  // Whole lines only, so that each block goes on where the last one stopped.
  const block = Buffer.from(line.repeat(Math.ceil(BLOCK_BYTES / line.length)));
  return writeHashed(file, size, (most) => block.subarray(0, Math.min(block.length, most)));
}

/** The BLAKE3 digest of a file, or null if it does not exist. */
export async function digestFile(file: string): Promise<Buffer | null> {
  const hasher = createHasher('blake3');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: BLOCK_BYTES })) {
      hasher.update(chunk as Buffer);
    }
  } catch {
    return null;
  }
  return hasher.digest();
}

/**
 * Writes `size` bytes to `file`, each block from `next(most)` (at most `most` bytes, the rest
 * of the file), hashing them as they go. Returns the BLAKE3 digest.
 */
async function writeHashed(
  file: string,
  size: number,
  next: (most: number) => Buffer,
): Promise<Buffer> {
  const hasher = createHasher('blake3');
  const handle = await fs.open(file, 'w');
  try {
    for (let written = 0; written < size; ) {
      const block = next(size - written);
      hasher.update(block);
      await handle.write(block);
      written += block.length;
    }
  } finally {
    await handle.close();
  }
  return hasher.digest();
}
