// `pnpm --filter udp-time demo`: the time server and client in one process on a free
// loopback port, in UTC, asking a handful of formats: the empty one (the seed's default),
// a few directives, an unknown one, and two the server refuses to answer in full.
import { bindUdp, exitQuietlyWhenStdoutCloses } from '@socket-lab/common';
import { runTimeClient } from '../client.js';
import { serveTime } from '../server.js';
import { TimeZone } from '../time-format/zone.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine

const HOST = '127.0.0.1';
const server = (line: string) => console.log(`  server │ ${line}`);
const client = (line: string) => console.log(`  client │ ${line}`);

async function* typed(formats: string[]): AsyncGenerator<string> {
  for (const format of formats) {
    client(
      `>> ${format.length > 40 ? `${format.slice(0, 12)}… (${format.length} bytes)` : format}`,
    );
    yield format;
  }
}

console.log('udp-time: a strftime format in one datagram, the time in the answer (seed 002)');
const zone = TimeZone.utc();
const { socket, address } = await bindUdp({ host: HOST, port: 0, log: server });
serveTime(socket, { now: () => zone.fieldsAt(Date.now()), log: server });

console.log('\n1. the seed\'s own: an empty datagram means "%Y-%m-%d %X"');
await ask(['']);
console.log("\n2. a few directives, as Python's time.strftime prints them (C locale, UTC)");
await ask(['%A %d %B %Y, week %V', '%H:%M:%S %Z (%z)', '%c', 'unknown %f and %Q stay as written']);
console.log('\n3. bounded, so a small question cannot buy a large answer (amplification)');
await ask(['%c'.repeat(50), 'x'.repeat(300), '%10Y']);
socket.close();

async function ask(formats: string[]): Promise<void> {
  await runTimeClient({
    host: HOST,
    port: address.port,
    formats: typed(formats),
    out: client,
    note: client,
  });
}
