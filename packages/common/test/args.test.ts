// Flag and environment parsing shared by every program: defaults, env, flags winning,
// the `--` pnpm passes through, and bad values turned into one readable message.
import { describe, expect, test } from 'vitest';
import {
  type CliSpec,
  formatUsage,
  parseCli,
  toBytes,
  toChoice,
  toInteger,
  toMilliseconds,
  toPort,
  UsageError,
} from '../src/args.js';

const spec = {
  usage: 'pnpm --filter demo start',
  role: 'server',
  summary: 'A test program.',
  defaultPort: 8888,
  flags: {
    timeout: { type: 'string', valueName: 'SECONDS', default: '1', description: 'wait this long' },
    upper: { type: 'boolean', description: 'shout' },
    name: { type: 'string', description: 'a name' },
  },
} as const satisfies CliSpec;

describe('parseCli', () => {
  test('defaults: 127.0.0.1, the seed port, flag defaults', () => {
    const cli = parseCli(spec, [], {});
    expect(cli).toMatchObject({ host: '127.0.0.1', port: 8888, help: false, positionals: [] });
    expect(cli.flags).toEqual({ timeout: '1', upper: false, name: undefined });
  });

  test('HOST and PORT from the environment', () => {
    expect(parseCli(spec, [], { HOST: '::1', PORT: '9000' })).toMatchObject({
      host: '::1',
      port: 9000,
    });
  });

  test('flags win over the environment', () => {
    const cli = parseCli(spec, ['--host', '127.0.0.2', '--port', '0'], {
      HOST: '::1',
      PORT: '9000',
    });
    expect(cli).toMatchObject({ host: '127.0.0.2', port: 0 });
  });

  test('an empty HOST or PORT counts as unset', () => {
    expect(parseCli(spec, [], { HOST: '', PORT: '' })).toMatchObject({
      host: '127.0.0.1',
      port: 8888,
    });
  });

  test('one leading `--` (as pnpm passes it) is dropped', () => {
    const cli = parseCli(spec, ['--', '--port', '1234', '--upper'], {});
    expect(cli.port).toBe(1234);
    expect(cli.flags.upper).toBe(true);
  });

  test('short flags -p and -h, and --flag=value', () => {
    expect(parseCli(spec, ['-p', '7', '--timeout=0.5'], {})).toMatchObject({
      port: 7,
      flags: { timeout: '0.5' },
    });
    expect(parseCli(spec, ['-h'], {}).help).toBe(true);
  });

  test.each([
    ['abc', /--port must be a whole number from 0 to 65535 \(got "abc"\)/],
    ['70000', /got "70000"/],
    ['-1', /got "-1"/],
    ['1.5', /got "1\.5"/],
    ['', /got ""/],
  ])('a bad port %j is a UsageError', (value, message) => {
    expect(() => parseCli(spec, [`--port=${value}`], {})).toThrow(message);
    expect(() => parseCli(spec, [`--port=${value}`], {})).toThrow(UsageError);
  });

  test('a bad PORT in the environment names PORT', () => {
    expect(() => parseCli(spec, [], { PORT: 'http' })).toThrow(/^PORT must be/);
  });

  test('unknown flags, missing values and stray arguments are UsageErrors', () => {
    expect(() => parseCli(spec, ['--bogus'], {})).toThrow('unknown flag --bogus');
    expect(() => parseCli(spec, ['--port'], {})).toThrow('--port needs a value');
    expect(() => parseCli(spec, ['--port', '-1'], {})).toThrow(
      '--port needs a value (for one that starts with "-", write --port=-…)',
    );
    expect(() => parseCli(spec, ['--upper=yes'], {})).toThrow('--upper takes no value');
    expect(() => parseCli(spec, ['stray'], {})).toThrow('unexpected argument "stray"');
  });

  test('positionals are kept when the program takes them', () => {
    const files = { ...spec, positionals: 'FILE...' };
    expect(parseCli(files, ['a.txt', '--upper', 'b.txt'], {}).positionals).toEqual([
      'a.txt',
      'b.txt',
    ]);
  });
});

describe('value checks', () => {
  test('toPort takes 0 to 65535', () => {
    expect(toPort('0')).toBe(0);
    expect(toPort('65535')).toBe(65535);
    expect(() => toPort('65536')).toThrow(UsageError);
  });

  test('toMilliseconds takes seconds, decimals allowed, like nc -w', () => {
    expect(toMilliseconds('1', '--timeout')).toBe(1000);
    expect(toMilliseconds('0.25', '--timeout')).toBe(250);
    expect(toMilliseconds('.5', '--timeout')).toBe(500);
    expect(toMilliseconds('0', '--timeout')).toBe(0);
    for (const bad of ['-1', 'abc', '1s', '', '1e3', '100000']) {
      expect(() => toMilliseconds(bad, '--timeout')).toThrow(
        /--timeout must be a number of seconds/,
      );
    }
  });

  test('toBytes takes K, M and G suffixes (powers of 1024)', () => {
    expect(toBytes('512', '--max-size')).toBe(512);
    expect(toBytes('64K', '--max-size')).toBe(65536);
    expect(toBytes('10M', '--max-size')).toBe(10 * 1024 * 1024);
    expect(toBytes('1G', '--max-size')).toBe(1024 ** 3);
    expect(toBytes('1.5k', '--max-size')).toBe(1536);
    expect(toBytes('2MiB', '--max-size')).toBe(2 * 1024 * 1024);
    for (const bad of ['', 'M', '-1', '10T', 'ten'])
      expect(() => toBytes(bad, '--max-size')).toThrow(UsageError);
  });

  test('toInteger and toChoice check their range and set', () => {
    expect(toInteger('3', '--clients', 1, 10)).toBe(3);
    expect(() => toInteger('0', '--clients', 1, 10)).toThrow(
      '--clients must be a whole number from 1 to 10 (got "0")',
    );
    expect(() => toInteger('2.5', '--clients', 1)).toThrow(
      '--clients must be a whole number 1 or more (got "2.5")',
    );
    expect(toChoice('ask', '--mode', ['greet', 'ask'])).toBe('ask');
    expect(() => toChoice('shout', '--mode', ['greet', 'ask'])).toThrow(
      '--mode must be one of greet, ask (got "shout")',
    );
  });
});

test('formatUsage lists every flag with its default, and the common ones', () => {
  const text = formatUsage(spec);
  expect(text).toContain('usage: pnpm --filter demo start [flags]');
  expect(text).toMatch(/--host HOST\s+address to bind \(default 127\.0\.0\.1; env HOST\)/);
  expect(text).toMatch(
    /-p, --port PORT\s+port to listen on, 0 picks a free one \(default 8888; env PORT\)/,
  );
  expect(text).toMatch(/--timeout SECONDS\s+wait this long \(default 1\)/);
  expect(text).toMatch(/--upper\s+shout\n/);
  expect(text).toMatch(/-h, --help\s+show this help/);
});

test('a client is told where it connects; a program with no sockets has no --host/--port', () => {
  const client = formatUsage({ ...spec, role: 'client' });
  expect(client).toMatch(/--host HOST\s+address to connect to/);
  expect(client).toMatch(/-p, --port PORT\s+port to connect to \(default 8888; env PORT\)/);
  const offline = { ...spec, network: false };
  expect(formatUsage(offline)).not.toMatch(/--host|--port/);
  expect(() => parseCli(offline, ['--port', '1'], {})).toThrow('unknown flag --port');
  expect(parseCli(offline, [], { PORT: 'not a port' }).flags.upper).toBe(false);
});
