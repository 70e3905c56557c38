// Test helpers: temp folders that clean themselves up, generated files (streamed, never whole
// in memory), an in-process receiver whose log lines a test can wait for (common's Recorder),
// a hand-written client for bytes our sender would never send, and proxies between the two:
// fault-proxy where it has the fault, a hand-made one for the faults it does not (a byte
// flipped in a TCP stream, the receiver's answers held back).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closeServer, SocketReader, trackConnections } from '@socket-lab/common';
import { Recorder } from '@socket-lab/common/testing';
import { startFaultProxy } from 'fault-proxy';
import { afterEach } from 'vitest';
import { makeRandomFile } from '../bench/files.js';
import { createHasher } from '../src/digest.js';
import {
  decodeMessage,
  encodeMessage,
  encodePreamble,
  MAX_CONTROL_FRAME_BYTES,
  type Message,
  PREAMBLE_BYTES,
} from '../src/protocol.js';
import { createReceiver, type ReceiverOptions } from '../src/receiver.js';

export const HOST = '127.0.0.1';
/** How long a test waits for a log line before it fails (the machine is shared). */
export const WAIT_MS = 20_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A new temp folder, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-transfer-test-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes `size` pseudo-random bytes, the same for the same `seed`, 1 MiB at a time (the
 * bench's maker). Returns the file's BLAKE3 digest.
 */
export function makeFile(file: string, size: number, seed = 'seed'): Promise<Buffer> {
  return makeRandomFile(file, size, seed);
}

/** The BLAKE3 digest of a file. */
export async function digestOf(file: string): Promise<Buffer> {
  const hasher = createHasher('blake3');
  for await (const chunk of createReadStream(file)) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** Every entry under `dir`, as paths relative to it, sorted (hidden ones included). */
export async function listAll(dir: string): Promise<string[]> {
  return ((await fs.readdir(dir, { recursive: true })) as string[]).sort();
}

/** An in-process receiver on 127.0.0.1:0 saving into a new temp folder; closed after the test. */
export async function startReceiver(opts: Partial<ReceiverOptions> = {}) {
  const dir = opts.dir ?? path.join(await tempDir(), 'out');
  await fs.mkdir(dir, { recursive: true });
  const log = new Recorder(WAIT_MS);
  const server = createReceiver({ ...opts, dir, log: log.push });
  const open = trackConnections(server);
  server.listen(0, HOST);
  await once(server, 'listening');
  cleanups.push(() => closeServer(server, open, 0));
  return { port: (server.address() as AddressInfo).port, dir, log, server };
}

/**
 * A client written by hand for bytes our sender never sends. It connects, and `send` writes
 * raw bytes; `next()` reads the receiver's preamble or frames one at a time. With
 * `allowHalfOpen` it keeps its side open after the receiver's FIN, as a hostile peer would.
 */
export async function rawClient(port: number, opts: { allowHalfOpen?: boolean } = {}) {
  const socket = net.connect({ port, host: HOST, allowHalfOpen: opts.allowHalfOpen === true });
  socket.on('error', () => {}); // a reset is what some tests expect
  await once(socket, 'connect');
  cleanups.push(() => void socket.destroy());
  const reader = new SocketReader(socket);
  return {
    socket,
    send: (bytes: Buffer | Message) =>
      socket.write(Buffer.isBuffer(bytes) ? bytes : encodeMessage(bytes)),
    preamble: () => reader.readExactly(PREAMBLE_BYTES),
    /** The next message, or null once the receiver has closed. */
    next: async (): Promise<Message | null> => {
      const frame = await reader.readFrame(MAX_CONTROL_FRAME_BYTES);
      return frame && decodeMessage(frame);
    },
    /** Resolves when the receiver has closed the connection. */
    closed: () => (socket.closed ? Promise.resolve() : once(socket, 'close').then(() => {})),
  };
}

/** Sends one file by hand (preamble, offer, start at 0, bytes, digest); returns the result. */
export async function rawSend(port: number, name: string, content: Buffer) {
  const c = await rawClient(port);
  c.send(encodePreamble());
  await c.preamble();
  c.send({ type: 'offer', hash: 'sha256', size: content.length, name });
  const answer = await c.next();
  if (answer?.type !== 'accept') return answer;
  c.send({ type: 'start', offset: 0 });
  c.send(content);
  c.send({ type: 'done', digest: createHash('sha256').update(content).digest() });
  const result = await c.next();
  c.socket.end();
  return result;
}

/**
 * fault-proxy (`--stall-after BYTES`) in front of `port`: after `bytes` towards the receiver
 * it forwards nothing more, either way, and closes nothing, as a hung network would.
 * `stalled` resolves when it stops; `close()` (also run after the test) ends both connections,
 * so the receiver sees the sender go.
 */
export async function startStallingProxy(port: number, bytes: number) {
  let stop: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const proxy = await startFaultProxy({
    to: { host: HOST, port },
    faults: { stallAfterBytes: bytes },
    seed: 1, // --stall-after draws no random numbers; fixed anyway, so a run can be replayed
    onEvent: (event) => {
      if (event.kind === 'stall') stop();
    },
  });
  cleanups.push(() => proxy.close());
  return { port: proxy.port, stalled, close: () => proxy.close() };
}

/**
 * A TCP proxy on 127.0.0.1:0 in front of `port`, for what fault-proxy does not do. `alter`
 * may change each chunk going to the receiver (it gets the chunk and the stream offset of
 * its first byte). `holdAnswers` keeps the receiver's first bytes back until that many have
 * come, then delivers them in one write: what a slow reader or a busy network does now and then.
 */
export async function startProxy(
  port: number,
  opts: {
    alter?: (chunk: Buffer, offset: number) => Buffer;
    holdAnswers?: number;
  } = {},
) {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, HOST);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.resetAndDestroy());
    let offset = 0;
    client.on('data', (chunk: Buffer) => {
      const out = opts.alter ? opts.alter(chunk, offset) : chunk;
      offset += chunk.length;
      upstream.write(out);
    });
    client.on('end', () => upstream.end());
    let answers: Buffer | null = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      if (opts.holdAnswers === undefined || answers === null) return void client.write(chunk);
      answers = Buffer.concat([answers, chunk]);
      if (answers.length < opts.holdAnswers) return;
      client.write(answers);
      answers = null;
    });
    upstream.on('end', () => client.end());
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  cleanups.push(() => void server.close());
  return { port: (server.address() as AddressInfo).port };
}
