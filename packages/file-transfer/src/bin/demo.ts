// `pnpm --filter file-transfer demo`: receiver and sender in one process on a free loopback
// port. 1) a file sent with its size and digest, checked and renamed into place; 2) the link
// cut by fault-proxy at 40% of a file, which is sent again and resumes; 3) the seed's protocol
// losing a line `quit`. Everything happens in a temp folder that is removed at the end.
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
import { startFaultProxy } from 'fault-proxy';
import { sumLine } from '../digest.js';
import { createProgressDisplay } from '../progress.js';
import { createReceiver } from '../receiver.js';
import { createSeedReceiver } from '../seed-receiver.js';
import { sendSeedFile } from '../seed-sender.js';
import { sendFiles } from '../sender.js';

const HOST = '127.0.0.1';
const MiB = 1024 * 1024;
/** Scene 2's file: small, because the lesson is where it stops, not how fast it goes. */
const CUT_FILE_BYTES = 10 * MiB;
/**
 * fault-proxy --cut-after: 4 MiB of the sender's bytes reach the receiver, then both
 * connections are reset, at about 40% of the file (the offer and its header come first).
 * A count of bytes, not a time, so every run is cut at the same byte.
 */
const CUT_AFTER_BYTES = 4 * MiB;
/**
 * fault-proxy --rate 16M: without it the cut's reset overtakes bytes still queued in the
 * kernels' buffers, and the receiver keeps however much it had read by then, a different
 * amount each run. Paced, the receiver reads each slice before the next leaves, so it keeps
 * all the bytes the proxy let through, every run; 16 MiB/s is slow enough for a busy machine
 * and still only a quarter of a second for the 4 MiB.
 */
const CUT_RATE_BYTES_PER_S = 16 * MiB;
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

  // The sender reports more sent than arrived (what sat in buffers died with the link): the
  // receiver's count is the one a resume starts from, and the title says so.
  console.log(
    `\n2. fault-proxy --cut-after ${CUT_AFTER_BYTES / MiB}M cuts the link at 40%; sent again, it resumes from what arrived`,
  );
  const backup = await writeSampleFile(path.join(dir, 'backup.img'), CUT_FILE_BYTES);
  const quiet = { host: HOST, port, log: (line: string) => sender(line.replace(`${dir}/`, '')) };
  // The proxy sits between sender and receiver, and neither knows. Its reset is a network
  // failing mid-file (Ctrl+C on the sender ends the same way, politely).
  const proxy = await startFaultProxy({
    to: { host: HOST, port },
    faults: { cutAfterBytes: CUT_AFTER_BYTES, rateBytesPerSecond: CUT_RATE_BYTES_PER_S },
    seed: 1, // --cut-after and --rate draw no random numbers; a fixed seed keeps it replayable
  });
  // Both ends hear of the reset at once; the sender's line waits for the receiver's, so
  // they print in the same order every run.
  const later: string[] = [];
  await sendFiles([backup], { ...quiet, port: proxy.port, log: (line) => later.push(line) });
  await receiverSays.waitFor(/sender #2 disconnected/);
  await proxy.close();
  for (const line of later) quiet.log(line);
  sender(
    `in ${path.basename(out)}/: ${(await fs.readdir(out)).join(', ')} (hidden, not mistaken for a file)`,
  );
  await sendFiles([backup], quiet); // straight to the receiver: the link is back
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
