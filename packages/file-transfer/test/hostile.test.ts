// Hostile peers cannot hold what isn't theirs (issue 14). Each test is one thing a peer tried
// to keep: a socket after it was told to go, more than its share of the senders' places, a
// file outside --out through a planted hard link, a folder full of partial files, the
// operator's terminal (through names and log lines), a seed receiver that stopped reading.
// Each is taken back, and the receiver goes on serving.
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { closeServer, isUnsafeForTerminal, trackConnections } from '@socket-lab/common';
import { Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { partialName } from '../src/names.js';
import { encodePreamble } from '../src/protocol.js';
import { describeReport, newReport } from '../src/report.js';
import { createSeedReceiver } from '../src/seed-receiver.js';
import { HOST, listAll, rawClient, rawSend, startReceiver, tempDir, WAIT_MS } from './helpers.js';

const HOUR_MS = 3600_000;

/**
 * Writes 1 KiB every `everyMs` until the receiver closes the socket or `maxWrites` are done.
 * Says whether the receiver closed it, and after how many writes: load, not a clock.
 */
function keepSending(socket: net.Socket, everyMs: number, maxWrites: number) {
  return new Promise<{ closed: boolean; writes: number }>((resolve) => {
    let writes = 0;
    const timer = setInterval(() => {
      if (writes >= maxWrites) {
        clearInterval(timer);
        resolve({ closed: false, writes });
      } else if (!socket.destroyed) {
        socket.write(Buffer.alloc(1024, 0x61));
        writes += 1;
      }
    }, everyMs);
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ closed: true, writes });
    });
  });
}

/** Characters a log line must never hold raw: controls, bidi controls, zero-width ones. */
function unsafeLines(lines: string[]): string[] {
  return lines.filter((line) =>
    [...line].some((ch) => isUnsafeForTerminal(ch.codePointAt(0) ?? 0)),
  );
}

// A peer told to go (here: a bad preamble) that keeps sending is still cut off: the goodbye
// is a deadline from the moment it is told, not a time of silence that each write restarts.
test('a rejected peer that keeps sending is cut off after the goodbye time', async () => {
  const { port, log } = await startReceiver({ goodbyeMs: 200 });
  const peers = await Promise.all([1, 2, 3].map(() => rawClient(port, { allowHalfOpen: true })));
  for (const p of peers) p.send(Buffer.from('hello, I am staying'));
  await log.waitFor(/expected "SLFT"/, 3);
  // Up to 200 writes 50 ms apart (10 s): an idle timer would let them stay all that time.
  const kept = await Promise.all(peers.map((p) => keepSending(p.socket, 50, 200)));
  expect(kept.map((k) => k.closed)).toEqual([true, true, true]);
  expect(await rawSend(port, 'after.txt', Buffer.from('ok\n'))).toMatchObject({ code: 'saved' });
});

// Past --max-clients a sender is told why (our preamble, then an ERROR) and cut off on time
// even if it keeps sending; once a place is free, the next sender is served.
test('--max-clients: one sender too many is told so and closed; the next is served', async () => {
  const { port, log } = await startReceiver({ maxClients: 2, goodbyeMs: 200 });
  const first = await rawClient(port);
  await rawClient(port);
  await log.waitFor(/sender #2 connected/);
  const extra = await rawClient(port, { allowHalfOpen: true });
  expect((await extra.preamble())?.toString('latin1')).toBe('SLFT\u0001');
  expect(await extra.next()).toEqual({
    type: 'error',
    text: 'busy: 2 senders already (--max-clients 2); try again later',
  });
  expect(await keepSending(extra.socket, 50, 200)).toMatchObject({ closed: true });
  await log.waitFor(/sender #3 from 127\.0\.0\.1:\d+ refused: 2 senders already/);
  first.socket.end();
  await log.waitFor(/sender #1 disconnected/);
  expect(await rawSend(port, 'next.txt', Buffer.from('ok\n'))).toMatchObject({ code: 'saved' });
});

// Beyond --max-clients and the goodbyes in progress, Node closes new connections without a
// word (server.maxConnections): a flood cannot make the receiver hold a socket for each.
test('a flood past --max-clients and the goodbyes is dropped, and said once', async () => {
  const { port, log, server } = await startReceiver({ maxClients: 1, goodbyeMs: 20_000 });
  const limit = server.maxConnections;
  // Peers that never read and never close: each refused one waits out its goodbye.
  const peers: net.Socket[] = [];
  for (let i = 0; i < limit + 5; i++) {
    const s = net.connect({ port, host: HOST, allowHalfOpen: true });
    s.on('error', () => {});
    s.pause();
    peers.push(s);
    await once(s, 'connect');
  }
  await log.waitFor(/full: new connections are closed without a word/);
  for (const s of peers) s.destroy();
});

// O_NOFOLLOW stops a planted symlink only. A hard link planted as the partial file would make
// the receiver write into the file it links to, outside --out: it is refused instead.
test('a hard link planted as the partial file is refused, not written through', async () => {
  const root = await tempDir();
  const victim = path.join(root, 'victim.txt');
  await fs.writeFile(victim, 'untouched\n');
  const { port, dir } = await startReceiver({ dir: path.join(root, 'out') });
  await fs.link(victim, path.join(dir, partialName('hl')));
  const result = await rawSend(port, 'hl', Buffer.from('attacker bytes\n'));
  expect(result).toMatchObject({ type: 'result', code: 'disk-error' });
  expect(result?.type === 'result' && result.text).toMatch(/has 2 hard links/);
  expect(await fs.readFile(victim, 'utf8')).toBe('untouched\n');
  expect(await listAll(dir)).toEqual([partialName('hl')]);
});

// --max-partials: a new partial past the limit removes the oldest idle ones first; the
// partial of a transfer in progress is never removed, however old.
test('--max-partials removes the oldest idle partials, never a busy one', async () => {
  const { port, dir, log } = await startReceiver({ maxPartials: 3 });
  const busy = await rawClient(port);
  busy.send(encodePreamble());
  busy.send({ type: 'offer', hash: 'none', size: 10, name: 'busy.bin' });
  busy.send({ type: 'start', offset: 0 });
  await log.waitFor(/receiving busy\.bin/);
  // Ages set by hand (a file's clock ticks coarsely): busy.bin oldest, then old-0 … old-3.
  const now = Date.now();
  const age = (file: string, hours: number) =>
    fs.utimes(path.join(dir, file), (now - hours * HOUR_MS) / 1000, (now - hours * HOUR_MS) / 1000);
  await age(partialName('busy.bin'), 20);
  for (const i of [0, 1, 2, 3]) {
    await fs.writeFile(path.join(dir, partialName(`old-${i}`)), 'x');
    await age(partialName(`old-${i}`), 10 - i);
  }
  expect(await rawSend(port, 'new.txt', Buffer.from('new\n'))).toMatchObject({ code: 'saved' });
  expect(await listAll(dir)).toEqual([partialName('busy.bin'), partialName('old-3'), 'new.txt']);
  await log.waitFor(
    /removed 3 partial file\(s\) to stay within --max-partials 3: \.old-0\.partial, \.old-1\.partial, \.old-2\.partial/,
  );
});

// The probe of issue 14, small: cut transfers under distinct names, one after another, leave
// at most --max-partials partial files, not one each.
test('many cut transfers leave at most --max-partials partial files', async () => {
  const { port, dir, log } = await startReceiver({ maxPartials: 5 });
  for (let i = 0; i < 20; i++) {
    const c = await rawClient(port);
    c.send(encodePreamble());
    c.send({ type: 'offer', hash: 'none', size: 1024 * 1024, name: `spam-${i}.bin` });
    c.send({ type: 'start', offset: 0 });
    c.socket.end(Buffer.alloc(4096, 0x63));
    await log.waitFor(/disconnected/, i + 1);
  }
  const partials = (await listAll(dir)).filter((f) => f.endsWith('.partial'));
  expect(partials.length).toBe(5);
});

// Names that would lie on a terminal (a bidi override turns `\u202etxt.exe` into what reads as
// `exe.txt`; zero-width characters; a fullwidth slash) are saved plainly, and no log line holds
// a control, bidi or zero-width character, whatever the peer sent.
test('names and log lines cannot drive or mislead a terminal', async () => {
  const { port, dir, log } = await startReceiver();
  const names = [
    '\u202etxt.exe',
    'zero\u200bwidth',
    'a\uff0fb',
    'slash\u2215lookalike',
    'csi\u009b31m',
    'iso\u2066late',
    `${'n'.repeat(300)}\u202e`,
  ];
  for (const name of names) await rawSend(port, name, Buffer.from('hi\n'));
  // A stranger whose first bytes are a C1 CSI (U+009B) and a bidi override (U+202E).
  const c = await rawClient(port);
  c.send(Buffer.from('\u009b2J\u202e', 'utf8'));
  await log.waitFor(/expected "SLFT"/);
  expect(await listAll(dir)).toEqual(
    ['_txt.exe', 'zero_width', 'a_b', 'slash_lookalike', 'csi_31m', 'iso_late'].sort(),
  );
  await log.waitFor(/saved _txt\.exe, sent as "\\u\{202e\}txt\.exe"/);
  await log.waitFor(/refused "n+\\u\{202e\}": name is 301 bytes long/);
  expect(unsafeLines(log.entries)).toEqual([]);
});

// The sender prints what the receiver says: a hostile receiver's text is escaped there too.
test("the sender's report escapes what the receiver said", () => {
  const report = { ...newReport('a.txt'), status: 'refused' as const, message: 'no\u009b2J\u202e' };
  expect(describeReport(report)).toBe('a.txt: refused: no\\u{009b}2J\\u{202e}');
});

// Past --max-size the seed receiver destroys the connection at once: the sender's writes
// fail instead of stalling against a receiver that has stopped reading.
test('the seed receiver drops an oversize sender at once', async () => {
  const log = new Recorder(WAIT_MS);
  const server = createSeedReceiver({
    dir: await tempDir(),
    maxSize: 64 * 1024,
    idleTimeoutMs: 120_000,
    log: log.push,
  });
  const open = trackConnections(server);
  server.listen(0, HOST);
  await once(server, 'listening');
  const s = net.connect((server.address() as AddressInfo).port, HOST);
  s.on('error', () => {});
  await once(s, 'connect');
  const closed = new Promise<'closed'>((resolve) => s.once('close', () => resolve('closed')));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let outcome: 'closed' | 'drained' | 'stalled' = 'drained';
  // At most 1 GiB; a stall (no 'drain', no 'close') is given WAIT_MS before the test fails.
  for (let sent = 0; outcome === 'drained' && sent < 1024 ** 3; sent += chunk.length) {
    if (s.write(chunk)) continue;
    let timer: NodeJS.Timeout | undefined;
    outcome = await Promise.race([
      new Promise<'drained'>((resolve) => s.once('drain', () => resolve('drained'))),
      closed,
      new Promise<'stalled'>((resolve) => {
        timer = setTimeout(() => resolve('stalled'), WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
  expect(outcome).toBe('closed');
  await log.waitFor(/more than --max-size 65536 bytes; dropped them and closed/);
  s.destroy();
  await closeServer(server, open, 0);
});

// A START at an offset the receiver never offered is named plainly (it once read "start at
// 5: the offer was 0 or 0").
test('a START at an offset that was not offered is a clear error', async () => {
  const { port } = await startReceiver();
  const c = await rawClient(port);
  c.send(encodePreamble());
  await c.preamble();
  c.send({ type: 'offer', hash: 'none', size: 10, name: 'a.txt' });
  expect(await c.next()).toMatchObject({ type: 'accept', offset: 0 });
  c.send({ type: 'start', offset: 5 });
  expect(await c.next()).toEqual({
    type: 'error',
    text: 'START at 5, but nothing of a.txt is held here: a transfer starts at 0',
  });
});

// A preamble cut short still gets ours first, then the ERROR, like every other mistake.
test('a preamble cut short is answered with our preamble, then an ERROR', async () => {
  const { port } = await startReceiver();
  const c = await rawClient(port);
  c.socket.end(Buffer.from('SL'));
  expect((await c.preamble())?.toString('latin1')).toBe('SLFT\u0001');
  expect(await c.next()).toMatchObject({ type: 'error', text: expect.stringMatching(/2 of 5/) });
});
