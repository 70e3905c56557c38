// Python 3 ports of seed 002's time client and server (test/fixtures/) as real peers: the
// seed's client against our server, our client against the seed's server, and the two
// servers asked the same question in the same zone.
import { SeedPrograms } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { runTimeClient } from '../src/client.js';
import { TimeZone } from '../src/time-format/zone.js';
import { closeAll, HOST, linesOf, startTime } from './helpers.js';

const seeds = new SeedPrograms(new URL('./fixtures/', import.meta.url));
const python = seeds.python;

afterEach(async () => {
  seeds.killAll();
  await closeAll();
});

/** Seed 002's time server on port 0, answering in time zone `tz`. */
function startSeedServer(tz: string) {
  return seeds.serve('seed002_time_server.py', HOST, { env: { TZ: tz } });
}

test.skipIf(!python)(
  "seed 002's time client gets our answers, the empty format included",
  async () => {
    // Checks our server against seed 002's real client, prompt and all, at a fixed New York time.
    const { port } = await startTime(TimeZone.named('America/New_York'));
    const proc = seeds.spawn('seed002_time_client.py', [HOST, String(port)], {
      input: '%Y %m %d\n\n  %H:%M %Z  \n',
    });
    expect(await proc.waitForExit()).toBe(0);
    const prompt = "请输入时间格式(例%Y %m %d)>>: ')";
    expect(proc.stdout).toBe(
      `${prompt}2023 11 14\n${prompt}2023-11-14 17:13:20\n${prompt}17:13 EST\n${prompt}`,
    );
  },
);

test.skipIf(!python)(
  "our client against seed 002's server: answers printed, the seed's default kept",
  async () => {
    // Checks our client against seed 002's real server in Shanghai time, the empty format included.
    const seed = await startSeedServer('Asia/Shanghai');
    const out: string[] = [];
    const result = await runTimeClient({
      host: HOST,
      port: seed.port,
      formats: linesOf('%Z %z', ''),
      out: (line) => out.push(line),
      note: () => {},
    });
    expect(result).toEqual({ asked: 2, answered: 2, errors: 0, unanswered: 0 });
    expect(out[0]).toBe('CST +0800');
    expect(out[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  },
);

test.skipIf(!python)(
  'our server and the seed server give the same answer in the same zone',
  async () => {
    // Checks our strftime against Python's through the wire: one question to both servers.
    // Its answer changes only at a DST change, so the two clocks can't drift apart.
    const question = '%Z|%z|%^a %#Z %-Ez %Q %f|%Ea';
    const zone = 'America/New_York';
    const seed = await startSeedServer(zone);
    const ours = await startTime(TimeZone.named(zone), HOST, Date.now); // the real clock
    const theirs = await askOnce(seed.port, question);
    expect(await askOnce(ours.port, question)).toEqual(theirs);
    expect(theirs.split('|')).toHaveLength(4);
  },
);

async function askOnce(port: number, format: string): Promise<string> {
  const out: string[] = [];
  await runTimeClient({
    host: HOST,
    port,
    formats: linesOf(format),
    out: (l) => out.push(l),
    note: () => {},
  });
  return out[0] ?? '(no answer)';
}
