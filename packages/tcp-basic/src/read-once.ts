// One read, the way the seeds read: Python's `sock.recv(512)` returns whatever has arrived
// first, at most 512 bytes, and leaves anything beyond that for the next call. Both sides of
// tcp-basic read exactly once, and that single step is what this example teaches, so it is
// written out here with Node's own events (wait for one 'data' chunk, then stop listening).
// The other examples read with common's SocketReader, which gathers as many bytes as they
// need; here that would hide the one thing to see.
import type net from 'node:net';

/** One `recv(maxBytes)`: the first chunk to arrive, cut to maxBytes; null if the peer closed. */
export interface ReadResult {
  data: Buffer | null;
  /** Bytes of that chunk past maxBytes, which recv() would have left unread. */
  dropped: number;
}

/**
 * Reads once, like Python's `sock.recv(maxBytes)`: waits for whatever arrives first and
 * takes at most maxBytes of it. The socket is paused afterwards. Rejects on an error, or
 * when nothing comes within `timeoutMs` (0 waits forever).
 */
export function readOnce(
  socket: net.Socket,
  maxBytes: number,
  timeoutMs: number,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    // Every listener added below comes off again, whichever way the read ends, so the
    // caller gets the socket back as it was (and the next read starts clean).
    const done = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    const onData = (chunk: Buffer) => {
      socket.pause(); // no more reads: what comes next waits in the kernel, as with recv()
      done();
      resolve({ data: chunk.subarray(0, maxBytes), dropped: Math.max(0, chunk.length - maxBytes) });
    };
    const onEnd = () => {
      done();
      resolve({ data: null, dropped: 0 });
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onTimeout = () => {
      done();
      reject(new Error(`nothing received within ${timeoutMs / 1000} s`));
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    if (timeoutMs > 0) {
      socket.setTimeout(timeoutMs);
      socket.once('timeout', onTimeout);
    }
    socket.resume();
  });
}
