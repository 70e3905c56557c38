// The seed's first server, for contrast: one client at a time (`start --one-at-a-time`).
//
// The seed calls accept(), then loops on a blocking recv() for that one client until it says
// `exit`, and only then accepts the next. A second client is not refused meanwhile: its
// connect() succeeded, because the kernel finished the handshake and put the connection in
// the listen queue (`listen(5)`). It can even send; its bytes wait in the kernel. It is just
// not answered, not even greeted, until the first client leaves.
//
// Node cannot block, and cannot leave a connection in the listen queue either: libuv accepts
// every connection as soon as it is there. Closing the listening socket between clients
// (server.close()) would not do: the second client's connect() would be refused, which the
// seed never does. So we accept, and then do to the socket what the seed's kernel does to a
// queued connection: nothing. The server is created with `pauseOnConnect`, so nobody reads
// the socket and its bytes stay in the kernel's receive buffer, as in the queue; it gets no
// greeting; it waits in a line of our own. When the client being served leaves, the next in
// line, in the order they connected, is greeted and read, and sees its echoes at last.
//
// Like the seed, we do not notice a client that gives up while it waits: nothing reads its
// socket, so its FIN or reset is found when its turn comes.
import type net from 'node:net';
import { closeClient } from './deadlines.js';

/** The line of clients waiting for their turn. */
export interface Turns {
  /** Starts `serve` now if nobody is being served, or when everyone before has left. */
  admit(socket: net.Socket, peer: string, serve: () => void): void;
  /** Clients connected and waiting, not counting the one being served. */
  readonly waiting: number;
  /** Tells every waiting client `notice` and closes it (at the latest after `graceMs`). */
  dismiss(notice: string, graceMs: number): void;
}

interface Waiting {
  socket: net.Socket;
  peer: string;
  serve: () => void;
}

/** A line of clients for a server created with `pauseOnConnect: true`. */
export function takeTurns(log: (line: string) => void): Turns {
  const line: Waiting[] = [];
  let serving = false;

  const begin = (next: Waiting) => {
    serving = true;
    next.serve(); // the session's listeners go on first …
    next.socket.resume(); // … then it is read for the first time
    next.socket.once('close', () => {
      serving = false;
      const after = line.shift();
      if (after) begin(after);
    });
  };

  return {
    admit(socket, peer, serve) {
      if (!serving) return begin({ socket, peer, serve });
      line.push({ socket, peer, serve });
      socket.on('error', () => {}); // nothing reads or writes it yet; a listener all the same
      log(
        `${peer} waits: connected, not served until the client before it leaves (${line.length} waiting)`,
      );
    },
    get waiting() {
      return line.length;
    },
    dismiss(notice, graceMs) {
      for (const { socket, peer } of line.splice(0)) {
        log(`${peer} was never served: server shutting down`);
        closeClient(socket, notice, graceMs);
      }
    },
  };
}
