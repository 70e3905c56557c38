// connectTcp and SocketReader on real loopback sockets: connect errors as one line, and
// reads by size, by line and by frame that do not care how TCP cut the bytes.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { connectTcp } from '../src/connect.js';
import { FatalError } from '../src/errors.js';
import { encodeFrame, FrameError } from '../src/frame.js';
import { LineTooLongError, ShortReadError, SocketReader } from '../src/reader.js';
import { hasIPv6, hasPython3, Recorder, spawnProgram } from '../src/testing.js';

const HOST = '127.0.0.1';
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A server whose accepted sockets are handed to `serve`; resolves with its port. */
async function serve(handle: (socket: net.Socket) => void, host = HOST): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    closers.push(() => socket.destroy());
    handle(socket);
  });
  closers.push(() => server.close());
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A connected pair: `reader` reads what `writer` (the accepted side) writes. */
async function pair(windowBytes?: number) {
  let accepted!: (s: net.Socket) => void;
  const writerReady = new Promise<net.Socket>((resolve) => {
    accepted = resolve;
  });
  const port = await serve((s) => accepted(s));
  const socket = await connectTcp({ host: HOST, port });
  socket.on('error', () => {});
  closers.push(() => socket.destroy());
  const reader = new SocketReader(socket, windowBytes ? { windowBytes } : {});
  return { socket, reader, writer: await writerReady };
}

test('connectTcp resolves with an open socket that can talk', async () => {
  const port = await serve((s) => s.end('hi'));
  const socket = await connectTcp({ host: HOST, port, noDelay: true });
  closers.push(() => socket.destroy());
  expect(socket.readyState).toBe('open');
  const reader = new SocketReader(socket);
  expect((await reader.recv(10))?.toString()).toBe('hi');
  expect(await reader.recv(10)).toBeNull();
});

test('connectTcp to a closed port rejects with one line naming the address', async () => {
  const port = await serve(() => {});
  for (const close of closers.splice(0)) close(); // the port is free again
  const err = await connectTcp({ host: HOST, port }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(
    `cannot connect to 127.0.0.1:${port}: connection refused (is the server running on that port?)`,
  );
});

test.skipIf(!hasPython3())('connectTcp gives up after its timeout', async () => {
  // A listener that never accepts, with a queue of one: once the queue is full the kernel
  // drops further SYNs, so the next handshake never completes, as with a host that is gone.
  const python = spawnProgram('python3', ['-c', NEVER_ACCEPTS], '.', { keepStdinOpen: true });
  closers.push(() => python.kill());
  const port = Number((await python.waitFor(/^(\d+)$/m))[1]);
  const filler = await connectTcp({ host: HOST, port });
  closers.push(() => filler.destroy());
  const err = await connectTcp({ host: HOST, port, timeoutMs: 300 }).catch((e: unknown) => e);
  expect((err as Error).message).toBe(`cannot connect to 127.0.0.1:${port}: timed out`);
});

const NEVER_ACCEPTS = `
import socket, sys
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

test('connectTcp names a host that does not resolve', async () => {
  const err = await connectTcp({ host: 'no-such-host.invalid', port: 1 }).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/^cannot connect to no-such-host\.invalid:1: /);
});

test('recv takes what has arrived across chunks, up to its size, like Python', async () => {
  const { reader, writer } = await pair();
  writer.write('abc');
  writer.write('def');
  await reader.whenArrived(6);
  expect((await reader.recv(4))?.toString()).toBe('abcd');
  expect((await reader.recv(1024))?.toString()).toBe('ef');
  writer.end();
  expect(await reader.recv(1024)).toBeNull();
  expect(reader.consumedBytes).toBe(6);
});

test('readExactly waits for all n bytes, then null at a clean end', async () => {
  const { reader, writer } = await pair();
  const got = reader.readExactly(5);
  writer.write('he');
  writer.end('llo');
  expect((await got)?.toString()).toBe('hello');
  expect(await reader.readExactly(1)).toBeNull();
});

test('readExactly cut midway throws ShortReadError with how far it came', async () => {
  const { reader, writer } = await pair();
  writer.end('abc');
  const err = await reader.readExactly(10).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShortReadError);
  expect(err).toMatchObject({ got: 3, wanted: 10 });
});

test('readLine splits on newlines wherever the chunks fall, and returns the last piece', async () => {
  const { reader, writer } = await pair();
  writer.write('one\ntw');
  writer.write('o\n\nthree');
  writer.end();
  const lines: string[] = [];
  for (let line = await reader.readLine(100); line; line = await reader.readLine(100)) {
    lines.push(line.toString());
  }
  expect(lines).toEqual(['one', 'two', '', 'three']);
});

test('readLine accepts a line of exactly its limit and refuses one byte more', async () => {
  const { reader, writer } = await pair();
  writer.write(`${'a'.repeat(8)}\n${'b'.repeat(9)}`);
  expect((await reader.readLine(8))?.toString()).toBe('a'.repeat(8));
  await reader.whenArrived(18);
  await expect(reader.readLine(8)).rejects.toBeInstanceOf(LineTooLongError);
});

test('readLine finds a line longer than the read window', async () => {
  const { reader, writer } = await pair(1024);
  const long = 'x'.repeat(100_000);
  writer.end(`${long}\n`);
  expect((await reader.readLine(200_000))?.length).toBe(long.length);
});

test('readFrame returns each payload, then null; a huge header is refused unread', async () => {
  const { reader, writer } = await pair();
  writer.write(Buffer.concat([encodeFrame(Buffer.from('hi')), encodeFrame(Buffer.alloc(0))]));
  writer.end(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  expect((await reader.readFrame(100))?.toString()).toBe('hi');
  expect((await reader.readFrame(100))?.length).toBe(0);
  const err = await reader.readFrame(100).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FrameError);
  expect((err as FrameError).code).toBe('FRAME_TOO_LARGE');
});

test('readFrame cut inside a frame is FRAME_TRUNCATED', async () => {
  const { reader, writer } = await pair();
  writer.end(encodeFrame(Buffer.from('hello')).subarray(0, 6));
  const err = await reader.readFrame(100).catch((e: unknown) => e);
  expect((err as FrameError).code).toBe('FRAME_TRUNCATED');
});

test('readStream yields exactly n bytes, the rest stays for the next read', async () => {
  const { reader, writer } = await pair();
  const sent = Buffer.alloc(300_000, 7);
  writer.end(Buffer.concat([sent, Buffer.from('tail')]));
  let got = 0;
  for await (const piece of reader.readStream(sent.length)) got += piece.length;
  expect(got).toBe(sent.length);
  expect((await reader.recv(100))?.toString()).toBe('tail');
});

test('a slow reader holds at most about its window: the socket is paused', async () => {
  const { socket, reader, writer } = await pair(16 * 1024);
  const sent = Buffer.alloc(4 * 1024 * 1024, 1);
  const accepted = writer.write(sent); // far more than the window and the kernel buffers
  expect(accepted).toBe(false);
  await reader.whenArrived(16 * 1024);
  expect(socket.isPaused()).toBe(true);
  expect(reader.bufferedBytes).toBeLessThan(sent.length);
  let got = 0;
  for await (const piece of reader.readStream(sent.length)) got += piece.length;
  expect(got).toBe(sent.length);
});

test('a reset ends the reader and says why', async () => {
  const { reader, writer } = await pair();
  writer.write('partial');
  await reader.whenArrived(7);
  writer.resetAndDestroy();
  const err = await reader.readExactly(100).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ShortReadError);
  expect((err as ShortReadError).reason?.message).toMatch(/ECONNRESET/);
  expect(reader.ended).toBe(true);
});

test.skipIf(!(await hasIPv6()))('connectTcp works over IPv6', async () => {
  const port = await serve((s) => s.end('six'), '::1');
  const socket = await connectTcp({ host: '::1', port });
  closers.push(() => socket.destroy());
  expect((await new SocketReader(socket).recv(10))?.toString()).toBe('six');
});

test('Recorder waits for the nth matching entry, past or future', async () => {
  const log = new Recorder(1000);
  log.push('a 1');
  const second = log.waitFor(/^a/, 2);
  log.push('b');
  log.push('a 2');
  expect(await second).toBe('a 2');
  expect(log.count(/^a/)).toBe(2);
  await expect(log.waitFor(/never/)).rejects.toThrow(
    /never.*not seen within 1000 ms; got:\na 1\nb\na 2/s,
  );
});

test('Recorder of events matches with a predicate', async () => {
  const log = new Recorder<{ type: string; n: number }>();
  const big = log.waitFor((e) => e.n > 1);
  log.push({ type: 'x', n: 1 });
  log.push({ type: 'y', n: 2 });
  expect(await big).toEqual({ type: 'y', n: 2 });
  expect(log.matching(/"type":"x"/)).toHaveLength(1);
});
