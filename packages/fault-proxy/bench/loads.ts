// The two loads the bench drives, the same against the server and against the proxy in front
// of it: one TCP connection pushing N bytes one way (throughput), and K UDP senders each doing
// round trips one at a time (latency, and with several senders, what the proxy can keep up with).
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** 1 MiB writes: large enough that the sender is never the bottleneck. */
const WRITE_BYTES = 1 << 20;

/**
 * Connects, writes `bytes` (respecting backpressure), sends FIN, and waits for the sink's
 * answer: the byte count it received, which must match. Resolves with MB/s (10^6 bytes).
 */
export async function pushBytes(host: string, port: number, bytes: number): Promise<number> {
  const socket = net.connect({ host, port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const chunk = Buffer.alloc(WRITE_BYTES, 'x');
  const start = performance.now();
  const answer = (async () => {
    let text = '';
    for await (const piece of socket) text += String(piece);
    return Number(text.trim());
  })();
  for (let left = bytes; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!socket.write(piece)) await once(socket, 'drain');
  }
  socket.end();
  const got = await answer;
  const seconds = (performance.now() - start) / 1000;
  if (got !== bytes) throw new Error(`the sink got ${got} bytes of ${bytes}`);
  return bytes / seconds / 1e6;
}

/** What K UDP senders saw. */
export interface RoundTrips {
  answered: number;
  lost: number;
  seconds: number;
  /** Round-trip times in ms, sorted. */
  rtts: number[];
}

/**
 * `senders` sockets, each connected to host:port, each sending `requests` datagrams of
 * `size` bytes one at a time and waiting for the echo (or `timeoutMs`, then counted lost).
 * Stops early at `limitMs`.
 */
export async function roundTrips(
  host: string,
  port: number,
  opts: { senders: number; requests: number; size: number; timeoutMs: number; limitMs: number },
): Promise<RoundTrips> {
  const result: RoundTrips = { answered: 0, lost: 0, seconds: 0, rtts: [] };
  const start = performance.now();
  const deadline = start + opts.limitMs;
  await Promise.all(
    Array.from({ length: opts.senders }, async () => {
      const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.on('error', () => {});
      socket.connect(port, host);
      await once(socket, 'connect');
      const payload = Buffer.alloc(opts.size, 'u');
      let answer: (() => void) | undefined;
      socket.on('message', () => answer?.());
      for (let i = 0; i < opts.requests && performance.now() < deadline; i++) {
        const sent = performance.now();
        const answered = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), opts.timeoutMs);
          answer = () => {
            clearTimeout(timer);
            resolve(true);
          };
          socket.send(payload);
        });
        answer = undefined;
        if (!answered) result.lost += 1;
        else {
          result.answered += 1;
          result.rtts.push(performance.now() - sent);
        }
      }
      socket.close();
    }),
  );
  result.seconds = (performance.now() - start) / 1000;
  result.rtts.sort((a, b) => a - b);
  return result;
}
