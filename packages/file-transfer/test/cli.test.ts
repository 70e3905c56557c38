// The programs as people run them, as real processes: --help lists every flag and its
// default (the bench's too), bad flags exit 2 with one line, a taken port exits 1, a real
// transfer prints one b3sum/sha256sum line per file on stdout, SIGTERM stops the receiver
// with exit 0, and the demo runs to the end.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { missingFrom, Recorder, runToEnd, spawnCli, startServer } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { createSeedReceiver } from '../src/seed-receiver.js';
import { digestOf, HOST, makeFile, tempDir, WAIT_MS } from './helpers.js';

const PACKAGE_DIR = new URL('..', import.meta.url);

// --help of both programs (and of the bench, which lives in bench/) names every flag and its
// default.
test('--help lists every flag with its default', async () => {
  const [start, client, bench] = await Promise.all([
    runToEnd(PACKAGE_DIR, 'src/bin/start.ts', ['--help']),
    runToEnd(PACKAGE_DIR, 'src/bin/client.ts', ['--help']),
    runToEnd(PACKAGE_DIR, 'bench/main.ts', ['--help']),
  ]);
  expect(start.code).toBe(0);
  expect(
    missingFrom(start.stdout, [
      '--out DIR',
      '(default ./received)',
      '--overwrite',
      '--max-size SIZE',
      '--max-clients N',
      '(default 16)',
      '--max-partials N',
      '(default 100)',
      '--protocol v1|seed',
      '--keep-partial SECONDS',
      '--fsync',
      '(default 9999',
    ]),
  ).toEqual([]);
  expect(client.code).toBe(0);
  expect(client.stdout).toMatch(/usage: pnpm --filter file-transfer client \[flags\] FILE\.\.\./);
  expect(
    missingFrom(client.stdout, [
      '--hash blake3|sha256|none',
      '(default blake3)',
      '--protocol v1|seed',
      '--timeout SECONDS',
    ]),
  ).toEqual([]);
  expect(bench.code).toBe(0);
  expect(bench.stdout).toMatch(/usage: pnpm --filter file-transfer bench \[flags\]/);
  expect(
    missingFrom(bench.stdout, ['--size SIZE', '(default 1G)', '--rounds N', '--seed-size SIZE']),
  ).toEqual([]);
});

// Mistakes on the command line are one line on stderr and exit 2; an --out that is a file exits 1.
test('bad flags and missing files: one line on stderr, exit 2 (or 1 for an --out that is a file)', async () => {
  const file = path.join(await tempDir(), 'plain-file');
  await fs.writeFile(file, '');
  const runs = await Promise.all([
    runToEnd(PACKAGE_DIR, 'src/bin/start.ts', ['--max-size', 'lots']),
    runToEnd(PACKAGE_DIR, 'src/bin/client.ts', ['--hash', 'md5', 'a.txt']),
    runToEnd(PACKAGE_DIR, 'src/bin/client.ts', []),
    runToEnd(PACKAGE_DIR, 'src/bin/start.ts', ['--port', '0', '--out', file]),
  ]);
  expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 1]);
  expect(runs.map((r) => r.stderr)).toEqual([
    'file-transfer start: --max-size must be a size such as 512, 64K, 10M or 1G (got "lots") (see --help)\n',
    'file-transfer client: --hash must be one of blake3, sha256, none (got "md5") (see --help)\n',
    'file-transfer client: name at least one FILE to send (see --help)\n',
    `file-transfer start: cannot use --out ${file}: it is not a directory\n`,
  ]);
});

// A taken port is one line on stderr and exit 1.
test('a port in use: one line, exit 1', async () => {
  const taken = net.createServer().listen(0, HOST);
  await once(taken, 'listening');
  const { port } = taken.address() as AddressInfo;
  const r = await runToEnd(PACKAGE_DIR, 'src/bin/start.ts', ['--port', String(port)]);
  taken.close();
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /^file-transfer start: cannot listen on 127\.0\.0\.1:\d+ \(tcp\): address already in use.*\n$/,
  );
});

// Through pnpm, both programs run in the package folder; relative paths still mean where
// the command was typed (INIT_CWD): --out ./got and FILE a.txt are found there.
test('relative --out and FILE are taken from where the command was typed (INIT_CWD)', async () => {
  const here = await tempDir();
  await fs.writeFile(path.join(here, 'a.txt'), 'typed here\n');
  const env = { INIT_CWD: here };
  const receiver = await startServer(PACKAGE_DIR, 'src/bin/start.ts', ['--out', './got'], { env });
  await receiver.proc.waitFor(/^saving files in \.\/got$/m);
  const client = await runToEnd(
    PACKAGE_DIR,
    'src/bin/client.ts',
    ['--port', String(receiver.port), 'a.txt'],
    { env },
  );
  expect(client.code).toBe(0);
  expect(await fs.readFile(path.join(here, 'got', 'a.txt'), 'utf8')).toBe('typed here\n');
  expect(await receiver.proc.stop('SIGTERM')).toBe(0);
});

// The two programs as users run them: files saved, one sum line per file on stdout, SIGTERM exits 0.
test('start and client: files saved, sums on stdout, SIGTERM exits 0', async () => {
  const out = path.join(await tempDir(), 'out');
  const receiver = await startServer(PACKAGE_DIR, 'src/bin/start.ts', ['--out', out]);
  const src = await tempDir();
  const big = path.join(src, 'big.bin');
  const digest = await makeFile(big, 20 * 1024 * 1024);
  const small = path.join(src, 'small.txt');
  await fs.writeFile(small, 'hi\n');
  // With a leading `--`, as `pnpm --filter file-transfer client -- ...` passes it.
  const client = await runToEnd(PACKAGE_DIR, 'src/bin/client.ts', [
    '--',
    '--port',
    String(receiver.port),
    big,
    small,
  ]);
  expect(client.code).toBe(0);
  expect(client.stdout).toBe(
    `${digest.toString('hex')}  ${big}\n${(await digestOf(small)).toString('hex')}  ${small}\n`,
  );
  // Not a terminal: a few plain progress lines, then one line per file.
  expect(client.stderr).toMatch(/big\.bin: 25% \(5\.0 MiB of 20\.0 MiB, .* MB\/s, eta \d+ s\)\n/);
  expect(client.stderr).toMatch(
    /big\.bin: saved as big\.bin, verified by the receiver \(20\.0 MiB in/,
  );
  expect((await digestOf(path.join(out, 'big.bin'))).equals(digest)).toBe(true);

  const sha = await runToEnd(PACKAGE_DIR, 'src/bin/client.ts', [
    '--port',
    String(receiver.port),
    '--hash',
    'sha256',
    small,
  ]);
  expect(sha.code).toBe(1); // small.txt is there already
  expect(sha.stderr).toMatch(/small\.txt: refused: small\.txt already exists/);
  await fs.rm(path.join(out, 'small.txt'));
  const again = await runToEnd(PACKAGE_DIR, 'src/bin/client.ts', [
    '--port',
    String(receiver.port),
    '--hash',
    'sha256',
    small,
  ]);
  expect(again.stdout).toBe(`${createHash('sha256').update('hi\n').digest('hex')}  ${small}\n`);

  await receiver.proc.waitFor(/sender #3: saved small\.txt \(3 bytes, sha256 verified/);
  expect(await receiver.proc.stop('SIGTERM')).toBe(0);
});

// The sender in seed mode sends line by line, exits 0, and says that nothing was checked.
test('client --protocol seed talks to a seed receiver and says nothing was verified', async () => {
  const dir = await tempDir();
  const log = new Recorder(WAIT_MS);
  const server = createSeedReceiver({ dir, log: log.push });
  server.listen(0, HOST);
  await once(server, 'listening');
  const file = path.join(await tempDir(), 'poem.txt');
  await fs.writeFile(file, 'roses\nviolets\n');
  const r = await runToEnd(PACKAGE_DIR, 'src/bin/client.ts', [
    '--protocol',
    'seed',
    '--port',
    String((server.address() as AddressInfo).port),
    file,
  ]);
  server.close();
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(
    /poem\.txt: 2 lines \(14 B\) in [\d.]+ s, each answered "success"\n\(the seed protocol has no size and no checksum: nothing was verified\)\n$/,
  );
  await log.waitFor(/saved as file/);
  expect(await fs.readFile(path.join(dir, 'file'), 'utf8')).toBe('roses\nviolets\n');
});

// The demo runs all three scenes, exits 0 and leaves no temp folder.
test('the demo runs to the end and removes its temp folder', async () => {
  const demo = spawnCli(PACKAGE_DIR, 'src/bin/demo.ts');
  expect(await demo.waitForExit(60_000)).toBe(0);
  expect(demo.stdout).toMatch(/resuming at 4\.0 MiB/); // where fault-proxy cut the link
  expect(demo.stdout).toMatch(/the receiver's copy is "buy milk\\ncall mum\\n"/);
  const removed = /\(removed (\S+)\)/.exec(demo.stdout)?.[1] as string;
  await expect(fs.stat(removed)).rejects.toThrow(/ENOENT/);
});
