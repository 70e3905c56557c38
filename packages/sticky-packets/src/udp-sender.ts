// Support: the UDP half of seed 003, sending. Each message goes out as one datagram: no
// connection, no framing, because the datagram is the frame.
// Run: pnpm --filter sticky-packets client --udp   (with `start --udp` running)
import dgram from 'node:dgram';
import { describeNetError, FatalError, formatHostPort, resolveFamily } from '@socket-lab/common';
import { formatSendtoEvent, type SenderEvent } from './log.js';
import { type BeforeWrite, randomGap } from './pacing.js';
import { DEFAULT_GAP_MS } from './sender.js';

export interface DatagramSenderOptions {
  host: string;
  port: number;
  messages: Iterable<Buffer> | AsyncIterable<Buffer>;
  gapMs?: number;
  beforeWrite?: BeforeWrite;
  report?: (event: SenderEvent) => void;
}

/**
 * Sends each message as one datagram (no connection, no framing: the datagram is the
 * frame). Resolves with the count; rejects with a FatalError if a send fails. Nobody
 * listening is not a failure: UDP does not know.
 */
export async function sendDatagrams(
  opts: DatagramSenderOptions,
): Promise<{ datagrams: number; bytes: number }> {
  const report = opts.report ?? ((event) => console.log(formatSendtoEvent(event)));
  const beforeWrite = opts.beforeWrite ?? randomGap(opts.gapMs ?? DEFAULT_GAP_MS);
  const to = formatHostPort(opts.host, opts.port);
  const family = await resolveFamily(opts.host, `send to ${to}`);
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => {}); // send errors come back through send()'s callback
  report({ type: 'connected', to });
  let datagrams = 0;
  let bytes = 0;
  try {
    for await (const payload of opts.messages) {
      await beforeWrite(datagrams);
      await new Promise<void>((resolve, reject) =>
        socket.send(payload, opts.port, opts.host, (err) => (err ? reject(err) : resolve())),
      );
      datagrams += 1;
      bytes += payload.length;
      report({ type: 'write', index: datagrams, payload, wireBytes: payload.length });
    }
  } catch (err) {
    throw new FatalError(
      describeNetError(err, { action: `send to ${to}`, host: opts.host, port: opts.port }),
    );
  } finally {
    socket.close();
  }
  report({ type: 'done', writes: datagrams, bytes });
  return { datagrams, bytes };
}
