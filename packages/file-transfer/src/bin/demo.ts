// `pnpm --filter file-transfer demo`: receiver and sender in one process on a free loopback
// port. 1) a file sent with its size and digest, checked and renamed into place; 2) a transfer
// stopped at 8 MiB and sent again: it resumes; 3) the seed's protocol losing a line `quit`.
// Everything happens in a temp folder that is removed at the end.
import { createCipheriv } from 'node:crypto';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  closeServer,
  exitQuietlyWhenStdoutCloses,
  listenTcp,
  onShutdown,
  trackConnections,
} from '@socket-lab/common';
import { sumLine } from '../digest.js';
import { createProgressDisplay } from '../progress.js';
import { createReceiver } from '../receiver.js';
import { createSeedReceiver } from '../seed-receiver.js';
import { sendSeedFile } from '../seed-sender.js';
import { sendFiles } from '../sender.js';

const HOST = '127.0.0.1';
const MiB = 1024 * 1024;
const receiverSays = waitableLog('  receiver │ ');
const sender = (line: string) => console.log(`  sender   │ ${line}`);

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-transfer-demo-'));
// However the demo ends (done, Ctrl+C, or `| head` closing stdout), the temp folder goes.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
exitQuietlyWhenStdoutCloses();
onShutdown(() => process.exit(0));
try {
  const out = path.join(dir, 'received');
  await fs.mkdir(out);
  console.log(
    'file-transfer: each file offered with its size, checked by digest, renamed into place',
  );

  console.log('\n1. a 24 MiB file: streamed, verified on arrival, then renamed into place');
  let server = createReceiver({ dir: out, log: receiverSays.log });
  let open = trackConnections(server);
  const { port } = await listenTcp(server, { host: HOST, port: 0, log: receiverSays.log });
  const photos = await writeSampleFile(path.join(dir, 'photos.tar'), 24 * MiB);
  const display = await createProgressDisplay(process.stderr, sender);
  const [saved] = await sendFiles([photos], {
    host: HOST,
    port,
    log: (line) => {
      display.finish();
      sender(line.replace(`${dir}/`, ''));
    },
    onProgress: (p) => display.update({ ...p, file: path.basename(p.file) }),
  });
  if (saved?.digest)
    sender(`on stdout, as b3sum prints it: ${sumLine('blake3', saved.digest, 'photos.tar')}`);
  await receiverSays.waitFor(/sender #1 disconnected/);

  console.log('\n2. a transfer stopped at 8 MiB (as Ctrl+C would), then sent again: it resumes');
  const backup = await writeSampleFile(path.join(dir, 'backup.img'), 24 * MiB);
  const stop = new AbortController();
  const quiet = { host: HOST, port, log: (line: string) => sender(line.replace(`${dir}/`, '')) };
  await sendFiles([backup], {
    ...quiet,
    signal: stop.signal,
    onProgress: (p) => p.done >= 8 * MiB && stop.abort(),
  });
  await receiverSays.waitFor(/sender #2 disconnected/);
  sender(
    `in ${path.basename(out)}/: ${(await fs.readdir(out)).join(', ')} (hidden, not mistaken for a file)`,
  );
  await sendFiles([backup], quiet);
  await receiverSays.waitFor(/sender #3 disconnected/);
  await closeServer(server, open);

  console.log("\n3. the seed's protocol (--protocol seed): a file whose last line is `quit`");
  server = createSeedReceiver({ dir: out, log: receiverSays.log });
  open = trackConnections(server);
  const seedPort = (await listenTcp(server, { host: HOST, port: 0, log: receiverSays.log })).port;
  const notes = path.join(dir, 'notes.txt');
  await fs.writeFile(notes, 'buy milk\ncall mum\nquit');
  sender(`notes.txt holds ${JSON.stringify(await fs.readFile(notes, 'utf8'))}`);
  const seed = await sendSeedFile(notes, { host: HOST, port: seedPort });
  sender(`notes.txt: ${seed.message}`);
  await receiverSays.waitFor(/saved as file/);
  const copy = await fs.readFile(path.join(out, 'file'), 'utf8');
  console.log(
    `  the receiver's copy is ${JSON.stringify(copy)}: the last line was read as "the end",`,
  );
  console.log('  and neither side can tell: the seed protocol carries no size and no checksum.');
  await closeServer(server, open as Set<net.Socket>);
} finally {
  await fs.rm(dir, { recursive: true, force: true });
  console.log(`\n(removed ${dir})`);
}

/** Writes `size` bytes that look random but are the same every run (AES-CTR keyed by the name). */
async function writeSampleFile(file: string, size: number): Promise<string> {
  const key = Buffer.alloc(16);
  key.write(path.basename(file));
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const handle = await fs.open(file, 'w');
  try {
    for (let n = 0; n < size; n += MiB) await handle.write(cipher.update(Buffer.alloc(MiB)));
  } finally {
    await handle.close();
  }
  return file;
}

/** A prefixed log whose lines the demo can wait for, so each scene prints in order. */
function waitableLog(prefix: string) {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  return {
    log(line: string) {
      console.log(`${prefix}${line.replaceAll(`${dir}/`, '')}`);
      lines.push(line);
      for (const w of waiters.filter((w) => w.re.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    async waitFor(re: RegExp): Promise<void> {
      if (lines.some((line) => re.test(line))) return;
      await new Promise<void>((resolve) => waiters.push({ re, resolve }));
    },
  };
}
