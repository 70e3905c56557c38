// A UDP echo server (RFC 862): every datagram goes back to the address it came from, whole.
// UDP has no connections, so there is no accept() and no socket per client: one socket
// receives from everybody, and each datagram carries its sender's address (recvfrom). It has
// no streams either: a datagram arrives whole or not at all, never merged with the next one
// and never split (seed 003), so the echo needs no framing. It rebuilds the UDP servers of
// seeds 001, 002 (`--upper`) and 003 (`--buffer 1024`). The socket comes in bound
// (socket() and bind() are src/bin/start.ts's, through common's bindUdp): this file is all a
// UDP server does once it has one. The other half is src/client.ts.
// Run: pnpm --filter udp-echo start      Poke: nc -u 127.0.0.1 8888
import type dgram from 'node:dgram';
import { formatHostPort, previewBytes } from '@socket-lab/common';
import { asciiUpper } from './protocol.js';

export interface EchoServerOptions {
  /** Answer upper-cased, as seed 002's server does with `msg.upper()`. */
  upper?: boolean;
  /**
   * Log what Python's `recvfrom(bufferBytes)` would have kept (seed 003 reads with 1024).
   * Node always hands us the whole datagram; a smaller buffer in C or Python silently
   * drops the rest of it, with no error and no way to read it later.
   */
  bufferBytes?: number;
  /** `false`: print each datagram and answer nothing, as seed 001's UDP server does. */
  reply?: boolean;
  /** Where each datagram's log line goes; `null` logs nothing (for benchmarks). */
  log?: ((line: string) => void) | null;
}

/** Makes a bound UDP socket an echo server. The socket stays the caller's to close. */
export function serveEcho(socket: dgram.Socket, opts: EchoServerOptions = {}): void {
  const log = opts.log === undefined ? console.log : opts.log;

  // Without a listener, an 'error' is thrown and would stop the server for everyone.
  socket.on('error', (err) => log?.(`socket error: ${err.message}`));

  // recvfrom(): one whole datagram, and the address and port it came from.
  socket.on('message', (data, rinfo) => {
    if (log)
      log(describeDatagram(data, formatHostPort(rinfo.address, rinfo.port), opts.bufferBytes));
    if (opts.reply === false) return; // seed 001: the sender never learns we exist
    // recvfrom() told us who sent it; sendto() that address. An empty datagram is a real
    // datagram (8 bytes of UDP header and no payload), and its echo is empty too. A send
    // that fails comes back as an 'error' event, logged above: the server carries on.
    socket.send(opts.upper ? asciiUpper(data) : data, rinfo.port, rinfo.address);
  });
}

/** `5 bytes from 127.0.0.1:50000: hello`, plus what recvfrom(N) would keep and drop. */
export function describeDatagram(data: Buffer, from: string, bufferBytes?: number): string {
  const shown = data.length === 0 ? '(empty)' : previewBytes(data);
  let line = `${data.length} ${data.length === 1 ? 'byte' : 'bytes'} from ${from}: ${shown}`;
  if (bufferBytes !== undefined && data.length > bufferBytes) {
    const dropped = data.length - bufferBytes;
    line += ` (recvfrom(${bufferBytes}) would keep ${bufferBytes} and drop ${dropped})`;
  }
  return line;
}
