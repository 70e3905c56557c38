// Things going wrong, made to happen at a chosen moment rather than by luck: a sender
// stopped or killed mid-file (resume then finishes the job and verifies it), a receiver
// killed mid-file, a byte flipped in flight, a disk that refuses to write. After each, no
// file under the final name unless it is the right file.
import fs from 'node:fs/promises';
import path from 'node:path';
import { spawnCli, spawnProgram, startServer, waitForListening } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { ReceiverLink } from '../src/link.js';
import { partialName } from '../src/names.js';
import { PREAMBLE_BYTES } from '../src/protocol.js';
import { sendFiles } from '../src/sender.js';
import { sweepPartials } from '../src/store.js';
import {
  digestOf,
  HOST,
  listAll,
  makeFile,
  startProxy,
  startReceiver,
  startStallingProxy,
  tempDir,
} from './helpers.js';

const PACKAGE_DIR = new URL('..', import.meta.url);
const TSX = import.meta.resolve('tsx');
const MiB = 1024 * 1024;
const quiet = () => {};

// A sender stopped at 5 MiB leaves exactly what it sent as a partial, and the next send resumes from there.
test('a sender stopped mid-file leaves only a partial; sending again resumes and verifies', async () => {
  const { port, dir, log } = await startReceiver();
  const file = path.join(await tempDir(), 'movie.bin');
  const digest = await makeFile(file, 16 * MiB);
  const stop = new AbortController();
  const [cut] = await sendFiles([file], {
    host: HOST,
    port,
    log: quiet,
    signal: stop.signal,
    onProgress: (p) => p.done >= 5 * MiB && stop.abort(),
  });
  expect(cut?.status).toBe('interrupted');
  const sent = (cut?.resumedFrom ?? 0) + (cut?.sentBytes ?? 0);
  await log.waitFor(/connection lost after .* of movie\.bin/);
  expect(await listAll(dir)).toEqual([partialName('movie.bin')]);
  expect((await fs.stat(path.join(dir, partialName('movie.bin')))).size).toBe(sent);

  const [resumed] = await sendFiles([file], { host: HOST, port, log: quiet });
  expect(resumed).toMatchObject({ status: 'saved', resumedFrom: sent, sentBytes: 16 * MiB - sent });
  expect((await digestOf(path.join(dir, 'movie.bin'))).equals(digest)).toBe(true);
  expect(await listAll(dir)).toEqual(['movie.bin']);
});

// A partial of the same name and size but other bytes is not resumed from: the transfer starts over.
test('held bytes that are not a prefix of the file are not trusted: it starts over', async () => {
  const { port, dir, log } = await startReceiver();
  const file = path.join(await tempDir(), 'doc.bin');
  await makeFile(file, 4 * MiB, 'old');
  const stop = new AbortController();
  await sendFiles([file], {
    host: HOST,
    port,
    log: quiet,
    signal: stop.signal,
    onProgress: (p) => p.done >= MiB && stop.abort(),
  });
  await log.waitFor(/connection lost after/);
  const digest = await makeFile(file, 4 * MiB, 'new'); // same name, same size, other bytes
  const [report] = await sendFiles([file], { host: HOST, port, log: quiet });
  expect(report).toMatchObject({ status: 'saved', resumedFrom: 0, sentBytes: 4 * MiB });
  await log.waitFor(/held of doc\.bin are not a prefix of it; starting over/);
  expect((await digestOf(path.join(dir, 'doc.bin'))).equals(digest)).toBe(true);
});

// One bit flipped between sender and receiver: the digests differ, the file is refused and deleted.
test('a byte flipped in flight is caught by the digest, and nothing is kept', async () => {
  const { port, dir, log } = await startReceiver();
  // Well past the preamble and the frames, inside the file's bytes.
  const proxy = await startProxy(port, {
    alter: (chunk, offset) => {
      const at = 100_000 - offset;
      if (at < 0 || at >= chunk.length) return chunk;
      const copy = Buffer.from(chunk);
      copy[at] = (copy[at] as number) ^ 0x01;
      return copy;
    },
  });
  const file = path.join(await tempDir(), 'data.bin');
  await makeFile(file, MiB);
  const [report] = await sendFiles([file], { host: HOST, port: proxy.port, log: quiet });
  expect(report).toMatchObject({ status: 'failed', code: 'bad-digest' });
  expect(report?.message).toMatch(/damaged in flight; nothing kept/);
  await log.waitFor(/sender #1: "data\.bin": blake3 of the bytes received is/);
  expect(await listAll(dir)).toEqual([]);
});

// A receiver whose folder is gone answers the offer with a disk error the sender can read.
test('a receiver that cannot write says so to the sender (its --out was removed)', async () => {
  const { port, dir } = await startReceiver();
  await fs.rm(dir, { recursive: true });
  const file = path.join(await tempDir(), 'a.txt');
  await fs.writeFile(file, 'hello\n');
  const [report] = await sendFiles([file], { host: HOST, port, log: quiet });
  expect(report).toMatchObject({ status: 'refused', code: 'disk-error' });
  expect(report?.message).toMatch(/cannot write a\.txt: no such file or directory \(ENOENT\)/);
});

// A symlink planted where the partial file goes is not written through.
test('a symlink planted as the partial file is not followed', async () => {
  const { port, dir } = await startReceiver();
  const victim = path.join(await tempDir(), 'victim.txt');
  await fs.writeFile(victim, 'untouched\n');
  await fs.symlink(victim, path.join(dir, partialName('a.txt')));
  const file = path.join(await tempDir(), 'a.txt');
  await fs.writeFile(file, 'payload\n');
  const [report] = await sendFiles([file], { host: HOST, port, log: quiet });
  expect(report).toMatchObject({ status: 'refused', code: 'disk-error' });
  expect(await fs.readFile(victim, 'utf8')).toBe('untouched\n');
});

// Old partial files are removed; fresh ones, busy ones and ordinary files are not.
test('partials nobody came back for are swept after --keep-partial', async () => {
  const dir = await tempDir();
  for (const name of ['.old.bin.partial', '.fresh.bin.partial', '.busy.bin.partial', 'old.bin']) {
    await fs.writeFile(path.join(dir, name), 'x');
  }
  const dayAgo = new Date(Date.now() - 86_400_000);
  for (const name of ['.old.bin.partial', '.busy.bin.partial', 'old.bin']) {
    await fs.utimes(path.join(dir, name), dayAgo, dayAgo);
  }
  const removed = await sweepPartials(dir, 3600_000, new Set(['.busy.bin.partial']));
  expect(removed).toEqual(['.old.bin.partial']);
  expect(await listAll(dir)).toEqual(['.busy.bin.partial', '.fresh.bin.partial', 'old.bin']);
});

// A sender process killed mid-file leaves only a partial; sending again resumes and verifies.
test('a sender killed mid-file (SIGKILL) leaves no file; resume completes it', async () => {
  const file = path.join(await tempDir(), 'killed.bin');
  const digest = await makeFile(file, 32 * MiB);
  let sender: ReturnType<typeof spawnCli> | undefined;
  // The kill happens inside the receiver's progress callback: the receiver reads nothing
  // more until it returns, so the sender cannot get further than the socket buffers allow.
  const { port, dir, log } = await startReceiver({
    onProgress: (_, held) => {
      if (held >= MiB) sender?.child.kill('SIGKILL');
    },
  });
  sender = spawnCli(PACKAGE_DIR, 'src/bin/client.ts', ['--port', String(port), file]);
  expect((await sender.exited).signal).toBe('SIGKILL');
  await log.waitFor(/connection lost after .* of killed\.bin \(32\.0 MiB\); kept/);
  expect(await listAll(dir)).toEqual([partialName('killed.bin')]);

  const [report] = await sendFiles([file], { host: HOST, port, log: quiet });
  expect(report?.status).toBe('saved');
  expect(report?.resumedFrom).toBeGreaterThanOrEqual(MiB);
  expect((await digestOf(path.join(dir, 'killed.bin'))).equals(digest)).toBe(true);
});

// Ctrl+C on the sender: it says it was interrupted, exits 0, and the receiver keeps a partial.
test('a sender stopped by Ctrl+C exits 0 and leaves a resumable partial', async () => {
  const { port, dir, log } = await startReceiver();
  // fault-proxy stalls the flow after 2 MiB, so the sender is surely mid-file at the signal.
  const proxy = await startStallingProxy(port, 2 * MiB);
  const file = path.join(await tempDir(), 'stopped.bin');
  await makeFile(file, 32 * MiB);
  const sender = spawnCli(PACKAGE_DIR, 'src/bin/client.ts', ['--port', String(proxy.port), file]);
  await proxy.stalled;
  sender.child.kill('SIGINT');
  await sender.waitFor(/stopped\.bin: interrupted after .*; send it again to resume/, 'stderr');
  expect(await sender.waitForExit()).toBe(0);
  // A stalled proxy passes on no goodbye: closing it ends the receiver's side too.
  await proxy.close();
  await log.waitFor(/connection lost after .* of stopped\.bin/);
  expect(await listAll(dir)).toEqual([partialName('stopped.bin')]);
});

// A receiver process killed mid-file: the sender reports the lost connection; the CLI exits 1 when it cannot connect.
// Ctrl+C can land while the sender reads the file: the write that follows must not wait for
// a socket that will not drain. fault-proxy stalls both ways at its limit, so the limit is one
// byte past our preamble: the receiver's preamble comes back, and everything after it is held.
test('a write made after the stop returns at once, even into a full socket', async () => {
  const { port } = await startReceiver();
  const proxy = await startStallingProxy(port, PREAMBLE_BYTES + 1);
  const link = await ReceiverLink.open({ host: HOST, port: proxy.port, timeoutMs: 20_000 });
  const stop = new AbortController();
  stop.abort();
  await link.write(Buffer.alloc(64 * MiB), stop.signal); // more than the socket buffers hold
  await proxy.stalled; // the write did reach the proxy, and is held there
  link.socket.destroy();
});

test('a receiver killed mid-file: the sender reports it, and the CLI exits 1', async () => {
  const out = path.join(await tempDir(), 'out');
  const receiver = await startServer(PACKAGE_DIR, 'src/bin/start.ts', ['--out', out]);
  const file = path.join(await tempDir(), 'lost.bin');
  await makeFile(file, 32 * MiB);
  const [report] = await sendFiles([file], {
    host: HOST,
    port: receiver.port,
    log: quiet,
    onProgress: (p) => {
      if (p.done >= MiB) receiver.proc.child.kill('SIGKILL');
    },
  });
  expect(report?.status).toBe('failed');
  expect(report?.message).toMatch(/^connection lost after .* of 32\.0 MiB: /);
  expect(await listAll(out)).toEqual([partialName('lost.bin')]); // no lost.bin

  // The same through the CLI, against a port where nobody listens any more.
  const cli = spawnCli(PACKAGE_DIR, 'src/bin/client.ts', ['--port', String(receiver.port), file]);
  expect(await cli.waitForExit()).toBe(1);
  expect(cli.stderr).toMatch(
    /^file-transfer client: cannot connect to 127\.0\.0\.1:\d+: connection refused/,
  );
});

// A write that fails mid-file (EFBIG) reaches the sender as a disk error, and the partial is deleted.
test('a disk that fills up mid-file: the sender is told, the partial is deleted', async () => {
  const out = path.join(await tempDir(), 'out');
  // `ulimit -f` caps the size of any file the receiver writes (1 MiB in dash's 512-byte
  // blocks): the write past it fails with EFBIG, as on a full disk or a quota, even as root.
  const proc = spawnProgram(
    'sh',
    [
      '-c',
      `ulimit -f 2048 && exec "${process.execPath}" --import "${TSX}" src/bin/start.ts --port 0 --out "${out}"`,
    ],
    PACKAGE_DIR,
    { keepStdinOpen: true },
  );
  const receiver = await waitForListening(proc);
  try {
    const file = path.join(await tempDir(), 'huge.bin');
    await makeFile(file, 8 * MiB);
    const [report] = await sendFiles([file], { host: HOST, port: receiver.port, log: quiet });
    expect(report).toMatchObject({ status: 'failed', code: 'disk-error' });
    expect(report?.message).toMatch(/cannot write huge\.bin: file too large \(EFBIG\)/);
    await proc.waitFor(/deleted the partial file/);
    expect(await listAll(out)).toEqual([]);
  } finally {
    expect(await proc.stop()).toBe(0);
  }
});
