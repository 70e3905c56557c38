// Support: seed 001's receiving side (`start --protocol seed`), for its Python sender. It
// speaks the seed's protocol exactly (seed-protocol.ts), with two mercies: it writes to a
// hidden temp file and renames it to `file` only after `quit`, and it stops at the end of the
// stream instead of spinning. Its limits are the v1 receiver's where the seed can have them:
// --max-clients (the seed has no way to say "busy", so the extra ones are simply closed) and
// --max-size (the sender is cut off at once: the seed has no way to refuse in advance).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import { formatPeer, SocketReader } from '@socket-lab/common';
import { partialName, pathInside } from './names.js';
import { GOODBYE_MS, goAway, MAX_CLIENTS, RECEIVE_WINDOW_BYTES } from './receiver.js';
import { SEED_ACK, SEED_FILE_NAME, SEED_QUIT, SEED_READ_BYTES } from './seed-protocol.js';
import { describeFsError, terminalSafe } from './units.js';

export interface SeedReceiverOptions {
  dir: string;
  overwrite?: boolean;
  maxSize?: number;
  idleTimeoutMs?: number;
  /** Senders served at once; the next ones are closed as soon as they connect. */
  maxClients?: number;
  log?: (line: string) => void;
}

/** A server that speaks the seed's receiving side, one `file` per sender. */
export function createSeedReceiver(opts: SeedReceiverOptions): net.Server {
  const sink = opts.log ?? console.log;
  const log = (line: string) => sink(terminalSafe(line));
  let nextId = 1;
  const server = net.createServer((socket) => {
    const who = `seed sender #${nextId++}`;
    log(`${who} connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${who}: ${err.message}`));
    const idleMs = opts.idleTimeoutMs ?? 60_000;
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`silent for ${idleMs / 1000} s`)));
    receiveSeedFile(socket, who, opts, log).then(
      // Too large: destroyed, not ended. An end() would only stop our reading, and a sender
      // that never waits for `success` would go on writing into full buffers until a timeout.
      (outcome) => {
        if (outcome === 'too-large') return void socket.destroy();
        socket.end();
        goAway(socket, GOODBYE_MS); // and one that goes on sending is cut off all the same
      },
      (err: unknown) => {
        log(`${who}: ${describeFsError(err)}`);
        socket.destroy();
      },
    );
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  const maxClients = opts.maxClients ?? MAX_CLIENTS;
  server.maxConnections = maxClients;
  server.on('drop', () =>
    log(`a sender was closed at once: ${maxClients} already (--max-clients)`),
  );
  return server;
}

async function receiveSeedFile(
  socket: net.Socket,
  who: string,
  opts: SeedReceiverOptions,
  log: (line: string) => void,
): Promise<'saved' | 'ended' | 'too-large'> {
  const reader = new SocketReader(socket, { windowBytes: RECEIVE_WINDOW_BYTES });
  // The seed appends to `file` as it goes; we write a hidden partial, for the same reason as
  // the real protocol: a transfer that never said `quit` must not look finished.
  const temp = pathInside(
    opts.dir,
    partialName(`${SEED_FILE_NAME}.${randomBytes(4).toString('hex')}`),
  );
  const out = await fs.open(temp, 'wx');
  let reads = 0;
  let bytes = 0;
  try {
    for (;;) {
      const data = await reader.recv(SEED_READ_BYTES);
      if (!data) {
        log(`${who}: closed without "quit" after ${reads} reads (${bytes} bytes); dropped them`);
        await fs.rm(temp, { force: true });
        return 'ended';
      }
      // The seed's only way to know the file has ended: one read that is exactly `quit`.
      if (data.equals(SEED_QUIT)) break;
      await out.write(data);
      reads += 1;
      bytes += data.length;
      if (opts.maxSize && bytes > opts.maxSize) {
        log(`${who}: more than --max-size ${opts.maxSize} bytes; dropped them and closed`);
        await fs.rm(temp, { force: true });
        return 'too-large';
      }
      socket.write(SEED_ACK);
    }
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  } finally {
    await out.close();
  }
  const name = await placeSeedFile(temp, opts);
  log(`${who}: "quit" after ${reads} reads (${bytes} bytes): saved as ${name}`);
  return 'saved';
}

/** Renames the temp file to `file`, or the first free `file (N)` without --overwrite. */
async function placeSeedFile(temp: string, opts: SeedReceiverOptions): Promise<string> {
  if (opts.overwrite) {
    await fs.rename(temp, pathInside(opts.dir, SEED_FILE_NAME));
    return SEED_FILE_NAME;
  }
  for (let n = 0; ; n++) {
    const name = n === 0 ? SEED_FILE_NAME : `${SEED_FILE_NAME} (${n})`;
    try {
      await fs.link(temp, pathInside(opts.dir, name)); // fails if the name is taken
      await fs.rm(temp);
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
