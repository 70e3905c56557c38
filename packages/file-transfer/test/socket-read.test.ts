// How the receiver reads its sockets (src/socket-read.ts), both ways: into buffers of its own,
// reused for every read (the accepted socket's handle handed to a socket with `onread`), and
// the plain way where that hand-over is not possible. A reused buffer must never hand out a
// chunk that a later read overwrites, however slow the reader (a slow disk); frames, file
// bytes and the end of the stream come out as with common's SocketReader; and the socket left
// behind by the hand-over still closes, ends and counts as the server expects.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { closeServer, FrameError, ShortReadError, trackConnections } from '@socket-lab/common';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type ByteReader,
  PlainReader,
  RingReader,
  readIntoOwnBuffers,
  readPlainly,
} from '../src/socket-read.js';

const MiB = 1024 * 1024;
const HOST = '127.0.0.1';

type Wrap = typeof readIntoOwnBuffers;
const ways: [string, Wrap, typeof RingReader | typeof PlainReader][] = [
  ['own buffers (onread)', readIntoOwnBuffers, RingReader],
  ['plain reads (the fallback)', readPlainly, PlainReader],
];

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A server made as the receiver makes it (pauseOnConnect), a peer connected to it, and our
 * side wrapped by `wrap` with a window of `windowBytes`.
 */
async function connected(wrap: Wrap, windowBytes: number) {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const open = trackConnections(server);
  server.listen(0, HOST);
  await once(server, 'listening');
  // allowHalfOpen: a peer that goes on sending after our FIN, as a sender mid-file does.
  const port = (server.address() as AddressInfo).port;
  const peer = net.connect({ port, host: HOST, allowHalfOpen: true });
  peer.on('error', () => {});
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  const { socket, reader } = wrap(accepted, windowBytes);
  socket.on('error', () => {});
  cleanups.push(() => {
    peer.destroy();
    return closeServer(server, open, 0);
  });
  return { server, open, peer, accepted, socket, reader };
}

/** Resolves after a few turns of the event loop: time for the socket to read more, if it may. */
async function slowDisk(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The SHA-256 of everything `reader` streams, read as receive.ts does, with a check per chunk. */
async function drain(reader: ByteReader, bytes: number, turns: number) {
  const whole = createHash('sha256');
  let overwritten = 0;
  let largest = 0;
  for await (const chunk of reader.readStream(bytes)) {
    const before = createHash('sha256').update(chunk).digest();
    await slowDisk(turns); // the disk is slow: more arrives meanwhile, and must go elsewhere
    if (!createHash('sha256').update(chunk).digest().equals(before)) overwritten += 1;
    whole.update(chunk);
    largest = Math.max(largest, chunk.length);
  }
  return { digest: whole.digest(), overwritten, largest };
}

describe.each(ways)('%s', (_, wrap, kind) => {
  // 24 MiB of random bytes, written in random sizes, through a 256 KiB window: every chunk is
  // unchanged from when it was handed out until the next is asked for, and all arrive in order.
  test('a chunk is never overwritten while the reader (a slow disk) still holds it', async () => {
    const { peer, reader } = await connected(wrap, 256 * 1024);
    expect(reader).toBeInstanceOf(kind);
    const sent = createHash('sha256');
    const size = 24 * MiB;
    void (async () => {
      for (let done = 0; done < size; ) {
        const piece = randomBytes(Math.min(size - done, 1 + Math.floor(Math.random() * MiB)));
        sent.update(piece);
        done += piece.length;
        if (!peer.write(piece)) await once(peer, 'drain');
      }
      peer.end();
    })();
    const got = await drain(reader, size, 3);
    expect(got.overwritten).toBe(0);
    expect(got.digest.equals(sent.digest())).toBe(true);
    expect(got.largest).toBeLessThanOrEqual(256 * 1024);
  });

  // Frames, raw bytes and a preamble, cut into slots of a few bytes (a 16-byte window): each
  // read takes exactly its bytes, across as many slots as they span.
  test('frames and file bytes come apart exactly, across tiny buffers', async () => {
    const { peer, reader } = await connected(wrap, 16);
    const frame = (text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length);
      return Buffer.concat([header, body]);
    };
    const file = randomBytes(1000);
    peer.end(Buffer.concat([Buffer.from('SLFT\u0001'), frame('offer'), file, frame('done')]));
    expect((await reader.readExactly(5))?.toString('latin1')).toBe('SLFT\u0001');
    expect((await reader.readFrame(64))?.toString()).toBe('offer');
    const pieces: Buffer[] = [];
    for await (const piece of reader.readStream(file.length)) pieces.push(Buffer.from(piece));
    expect(Buffer.concat(pieces).equals(file)).toBe(true);
    expect((await reader.readFrame(64))?.toString()).toBe('done');
    expect(await reader.readFrame(64)).toBeNull(); // a clean end between frames
    expect(reader.ended).toBe(true);
  });

  // The ends of a stream, as SocketReader reports them: a frame cut short, a header claiming
  // too much, and file bytes cut short.
  test('a cut frame, an oversized one and short file bytes are clear errors', async () => {
    let c = await connected(wrap, 64);
    c.peer.end(Buffer.from([0, 0]));
    await expect(c.reader.readFrame(64)).rejects.toThrow(/mid-header: got 2 of 4/);

    c = await connected(wrap, 64);
    c.peer.end(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const err = await c.reader.readFrame(64).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameError);
    expect((err as FrameError).code).toBe('FRAME_TOO_LARGE');

    c = await connected(wrap, 64);
    c.peer.end(Buffer.from('abc'));
    const pieces = c.reader.readStream(10);
    expect((await pieces.next()).value?.toString()).toBe('abc');
    await expect(pieces.next()).rejects.toBeInstanceOf(ShortReadError);
  });

  // A peer we are done with: our last words and FIN go out, whatever it still sends is read
  // and dropped, and it reads our answer to the end instead of a reset.
  test('after discardRest, a peer that keeps sending still reads our last answer', async () => {
    const { peer, socket, reader } = await connected(wrap, 64 * 1024);
    socket.end('bye');
    reader.discardRest();
    const heard: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => heard.push(chunk));
    for (let i = 0; i < 32; i++) if (!peer.write(Buffer.alloc(MiB))) await once(peer, 'drain');
    peer.end();
    await once(peer, 'close');
    expect(Buffer.concat(heard).toString()).toBe('bye');
  });

  // What the server and common's shutdown code hold is the accepted socket: ending it ends
  // the connection, and once it closes the server can close too.
  test('the accepted socket still ends the connection, and the server closes after it', async () => {
    const { server, open, peer, accepted } = await connected(wrap, 64 * 1024);
    expect(open.has(accepted)).toBe(true);
    const peerEnded = once(peer, 'end');
    accepted.end();
    await peerEnded;
    peer.end();
    await Promise.all([new Promise((resolve) => server.close(resolve)), once(accepted, 'close')]);
    expect(open.size).toBe(0);
  });
});

// The hand-over needs the accepted socket's handle; a socket without one is read the plain way.
test('a socket without a handle is read the plain way', () => {
  const socket = new net.Socket();
  const { socket: same, reader } = readIntoOwnBuffers(socket, 64 * 1024);
  expect(same).toBe(socket);
  expect(reader).toBeInstanceOf(PlainReader);
  socket.destroy();
});

// Own buffers hold at most the window: with a reader that takes nothing, the socket stops
// being read once every buffer holds bytes, and what is buffered stays within the window.
test('own buffers stop reading the socket once the window is full', async () => {
  const { peer, reader } = await connected(readIntoOwnBuffers, 64 * 1024);
  peer.write(Buffer.alloc(8 * MiB));
  await reader.change();
  await slowDisk(50);
  const held = reader.bufferedBytes;
  await slowDisk(50);
  expect(reader.bufferedBytes).toBe(held);
  expect(held).toBeGreaterThan(0);
  expect(held).toBeLessThanOrEqual(64 * 1024);
});
