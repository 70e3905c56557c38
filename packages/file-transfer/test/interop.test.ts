// The seed's own programs as real peers (Python 3 ports of seed 001's file_send.py and
// file_receive.py, in fixtures/), speaking --protocol seed with ours: text files cross in both
// directions. Then the seed's protocol is shown breaking, each time for certain: a last line
// `quit`, a line longer than one recv(1024) whose two answers arrive together, binary data.
import fs from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { closeServer, trackConnections } from '@socket-lab/common';
import { hasPython3, Recorder, spawnProgram, waitForListening } from '@socket-lab/common/testing';
import { describe, expect, test } from 'vitest';
import { createSeedReceiver } from '../src/seed-receiver.js';
import { sendSeedFile } from '../src/seed-sender.js';
import { sendFiles } from '../src/sender.js';
import { HOST, startProxy, startReceiver, tempDir, WAIT_MS } from './helpers.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const python = hasPython3();
if (!python) console.warn('python3 not found: skipping the interop tests with the seed programs');

/** Our seed-protocol receiver on 127.0.0.1:0, saving into a temp folder. */
async function startSeedReceiver() {
  const dir = await tempDir();
  const log = new Recorder(WAIT_MS);
  const server: net.Server = createSeedReceiver({ dir, log: log.push });
  const open = trackConnections(server);
  server.listen(0, HOST);
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { dir, log, port, stop: () => closeServer(server, open, 0) };
}

/** The seed's receiver (Python), saving to `out`; resolves once it listens. */
async function startPythonReceiver(out: string) {
  const proc = spawnProgram('python3', ['file_receive.py', HOST, '0', out], FIXTURES);
  return waitForListening(proc);
}

/** The seed's sender (Python): sends `file` to `port` and exits. */
async function runPythonSender(port: number, file: string) {
  const proc = spawnProgram('python3', ['file_send.py', HOST, String(port), file], FIXTURES);
  await proc.waitForExit();
  return proc;
}

/** A text file for the happy paths: short lines, none of them `quit`. */
const TEXT = 'import socket\n\nprint("hello")\n'.repeat(50);

describe.skipIf(!python)('with the seed programs (python3)', () => {
  // The seed's Python sender to our seed-mode receiver: a text file arrives as `file`, intact.
  test("the seed's sender sends a text file to our receiver intact", async () => {
    const ours = await startSeedReceiver();
    const file = path.join(await tempDir(), 'code.py');
    await fs.writeFile(file, TEXT);
    await runPythonSender(ours.port, file);
    await ours.log.waitFor(/"quit" after \d+ reads \(1500 bytes\): saved as file/);
    expect(await fs.readFile(path.join(ours.dir, 'file'), 'utf8')).toBe(TEXT);
    await ours.stop();
  });

  // Our seed-mode sender to the seed's Python receiver: a text file arrives intact.
  test("our sender sends a text file to the seed's receiver intact", async () => {
    const out = path.join(await tempDir(), 'file');
    const seed = await startPythonReceiver(out);
    const file = path.join(await tempDir(), 'code.py');
    await fs.writeFile(file, TEXT);
    const report = await sendSeedFile(file, { host: HOST, port: seed.port });
    expect(report).toMatchObject({ complete: true, lines: 150, bytes: 1500 });
    expect(await seed.proc.waitForExit()).toBe(0);
    expect(await fs.readFile(out, 'utf8')).toBe(TEXT);
  });

  // A file whose last line is `quit` loses that line, whichever side is Python.
  test('a last line `quit` is taken for the end: the seed loses it, both ways', async () => {
    const file = path.join(await tempDir(), 'notes.txt');
    await fs.writeFile(file, 'buy milk\ncall mum\nquit');
    // Theirs to ours.
    const ours = await startSeedReceiver();
    await runPythonSender(ours.port, file);
    await ours.log.waitFor(/saved as file/);
    expect(await fs.readFile(path.join(ours.dir, 'file'), 'utf8')).toBe('buy milk\ncall mum\n');
    await ours.stop();
    // Ours to theirs: the receiver stops at `quit` and our sender never hears "success".
    const out = path.join(await tempDir(), 'file');
    const seed = await startPythonReceiver(out);
    const report = await sendSeedFile(file, { host: HOST, port: seed.port });
    expect(report).toMatchObject({ complete: false, lines: 3 });
    expect(report.message).toBe('line 3: the receiver closed the connection');
    await seed.proc.waitForExit();
    expect(await fs.readFile(out, 'utf8')).toBe('buy milk\ncall mum\n');
  });

  test('a line over 1024 bytes earns two answers; together they stop the sender early', async () => {
    // Seed sender and seed receiver, both Python. The proxy between them delivers the
    // receiver's first two "success"es in one piece, as TCP may at any time.
    const out = path.join(await tempDir(), 'file');
    const seed = await startPythonReceiver(out);
    const proxy = await startProxy(seed.port, { holdAnswers: 2 * 'success'.length });
    const file = path.join(await tempDir(), 'long.txt');
    const long = `${'A'.repeat(2000)}\n`;
    await fs.writeFile(file, `${long}the rest\n`);
    await runPythonSender(proxy.port, file);
    await seed.proc.waitForExit();
    expect(await fs.readFile(out, 'utf8')).toBe(long); // "the rest" never sent
  });

  // Binary data with a run of 3000 bytes before its first 0x0a is cut short, seed to seed.
  // Its first "line" takes three reads (1024 + 1024 + 953), so the proxy holds all three
  // answers: released after two, the sender's `quit` could race the third read and be read
  // with it (953 + 4 bytes, saved into the file), which is the seed breaking another way.
  test('binary data has long "lines" too, and arrives cut short', async () => {
    const out = path.join(await tempDir(), 'file');
    const seed = await startPythonReceiver(out);
    const proxy = await startProxy(seed.port, { holdAnswers: 3 * 'success'.length });
    // Bytes as in an image: the first 0x0a comes after 3000 bytes, more follow.
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 251;
    bytes.fill(0x41, 0, 3000);
    bytes[3000] = 0x0a;
    const file = path.join(await tempDir(), 'image.bin');
    await fs.writeFile(file, bytes);
    await runPythonSender(proxy.port, file);
    await seed.proc.waitForExit();
    const got = await fs.readFile(out);
    expect(got.length).toBe(3001);
    expect(got.equals(bytes)).toBe(false);
  });

  // Our seed-mode sender and receiver fail the same way, and the sender names the merged answer.
  test('ours on both sides breaks the same way, and our sender says why', async () => {
    const ours = await startSeedReceiver();
    const proxy = await startProxy(ours.port, { holdAnswers: 2 * 'success'.length });
    const file = path.join(await tempDir(), 'long.txt');
    await fs.writeFile(file, `${'B'.repeat(1500)}\nlost\n`);
    const report = await sendSeedFile(file, { host: HOST, port: proxy.port });
    expect(report.complete).toBe(false);
    expect(report.message).toBe(
      'line 1: the receiver answered "successsuccess", not "success"; stopped, as the seed does',
    );
    await ours.log.waitFor(/"quit" after 2 reads \(1501 bytes\): saved as file/);
    await ours.stop();
  });

  // Our v1 sender facing the seed's receiver fails with a hint to use --protocol seed.
  test("our v1 sender against the seed's receiver is told to use --protocol seed", async () => {
    const out = path.join(await tempDir(), 'file');
    const seed = await startPythonReceiver(out);
    const file = path.join(await tempDir(), 'a.txt');
    await fs.writeFile(file, 'x\n');
    await expect(sendFiles([file], { host: HOST, port: seed.port, log: () => {} })).rejects.toThrow(
      /expected "SLFT", got "succe": the peer answers like the seed protocol: try --protocol seed/,
    );
    seed.proc.kill();
  });

  // The seed's sender facing our v1 receiver is turned away with a clear log line, and nothing is saved.
  test("the seed's sender against our v1 receiver is told what went wrong", async () => {
    const { port, log, dir } = await startReceiver();
    const file = path.join(await tempDir(), 'a.txt');
    await fs.writeFile(file, 'import os\n');
    await runPythonSender(port, file);
    await log.waitFor(
      /expected "SLFT", got "impor": not a file-transfer peer \(the seed protocol\? try --protocol seed\); closing/,
    );
    expect(await fs.readdir(dir)).toEqual([]);
  });
});
