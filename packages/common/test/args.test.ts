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
  expect(text.split('\n')[0]).toBe('usage: pnpm --filter demo start [flags]');
  expect(text).toMatch(/--host HOST\s+address to bind \(default 127\.0\.0\.1; env HOST\)/);
  expect(text).toMatch(
    /-p, --port PORT\s+port to listen on, 0 picks a free one \(default 8888; env PORT\)/,
  );
  expect(text).toMatch(/--timeout SECONDS\s+wait this long \(default 1\)/);
  expect(text).toMatch(/--upper\s+shout\n/);
  expect(text).toMatch(/-h, --help\s+show this help/);
});

test('a UDP program can say what --host and --port mean in its own words', () => {
  const udp = formatUsage({
    ...spec,
    role: 'client',
    hostHelp: 'address to send to',
    portHelp: 'port to send to',
  });
  expect(udp).toMatch(/--host HOST\s+address to send to \(default 127\.0\.0\.1; env HOST\)/);
  expect(udp).toMatch(/-p, --port PORT\s+port to send to \(default 8888; env PORT\)/);
  expect(udp).not.toMatch(/connect/);
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

describe('edges that pin the rules', () => {
  test('a port is digits only: no exponent, hex, sign or trailing text; spaces around are fine', () => {
    expect(toPort('8080')).toBe(8080);
    expect(toPort(' 9000 ')).toBe(9000);
    for (const bad of ['1e3', '0x50', '+80', '80abc', 'abc80', '8 0']) {
      expect(() => toPort(bad), bad).toThrow(
        `--port must be a whole number from 0 to 65535 (got "${bad}")`,
      );
    }
    expect(() => toPort('x', 'PORT')).toThrow(/^PORT must be/);
  });

  test('toInteger takes its bounds exactly, several digits, and a sign only where min allows', () => {
    expect(toInteger('10', '--n', 1, 10)).toBe(10);
    expect(toInteger('1', '--n', 1, 10)).toBe(1);
    expect(toInteger('1234', '--n')).toBe(1234);
    expect(toInteger(' 42 ', '--n')).toBe(42);
    expect(toInteger('-5', '--n', -10, 10)).toBe(-5);
    expect(() => toInteger('11', '--n', 1, 10)).toThrow(
      '--n must be a whole number from 1 to 10 (got "11")',
    );
    for (const bad of ['1e3', '12abc', 'abc12', '9007199254740993']) {
      expect(() => toInteger(bad, '--n'), bad).toThrow(UsageError);
    }
  });

  test('a duration may be exactly its maximum, not a hair more, and has no trailing text', () => {
    expect(toMilliseconds('86400', '--t')).toBe(86_400_000);
    expect(toMilliseconds('12.25', '--t')).toBe(12_250);
    expect(toMilliseconds('.125', '--t')).toBe(125);
    expect(toMilliseconds(' 2 ', '--t')).toBe(2000);
    expect(toMilliseconds('10', '--t', 10)).toBe(10_000);
    expect(() => toMilliseconds('10.5', '--t', 10)).toThrow(
      '--t must be a number of seconds from 0 to 10 (got "10.5")',
    );
    for (const bad of ['86400.001', '1.5abc', 'abc1.5', '.5x', 'x.5', '5.']) {
      expect(() => toMilliseconds(bad, '--t'), bad).toThrow(UsageError);
    }
  });

  test('sizes: decimals of a unit, a B or iB after it, and nothing past 2^53', () => {
    expect(toBytes('1.25K', '--s')).toBe(1280);
    expect(toBytes('10MB', '--s')).toBe(10 * 1024 ** 2);
    expect(toBytes('2KiB', '--s')).toBe(2048);
    expect(toBytes('3 g', '--s')).toBe(3 * 1024 ** 3);
    expect(toBytes(' 64K ', '--s')).toBe(65536);
    expect(toBytes('1.5', '--s')).toBe(1);
    expect(toBytes('9007199254740991', '--s')).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['9007199254740993', '8388608G', '1.K', 'K1', '1KK', '1Bi']) {
      expect(() => toBytes(bad, '--s'), bad).toThrow(
        `--s must be a size such as 512, 64K, 10M or 1G (got "${bad}")`,
      );
    }
  });

  test('an unknown short flag is named as typed; a UsageError says what it is', () => {
    expect(() => parseCli(spec, ['-z'], {})).toThrow('unknown flag -z');
    expect(new UsageError('x').name).toBe('UsageError');
  });

  test('an empty or blank --host is refused', () => {
    expect(() => parseCli(spec, ['--host', ''], {})).toThrow('--host must not be empty');
    expect(() => parseCli(spec, ['--host= '], {})).toThrow('--host must not be empty');
  });

  test('a program flag may repeat, take a short name, and default to none', () => {
    const multi = {
      ...spec,
      flags: {
        tag: { type: 'string', short: 't', multiple: true, description: 'tags' },
        loud: { type: 'boolean', short: 'l', description: 'loud' },
      },
    } as const satisfies CliSpec;
    expect(parseCli(multi, [], {}).flags).toEqual({ tag: [], loud: false });
    expect(parseCli(multi, ['-t', 'a', '--tag', 'b', '-l'], {}).flags).toEqual({
      tag: ['a', 'b'],
      loud: true,
    });
  });

  test('--help shows positionals, notes, value names, and no default for empty or false', () => {
    const text = formatUsage({
      ...spec,
      positionals: 'FILE...',
      notes: ['example: send a file'],
      flags: {
        out: { type: 'string', description: 'where', default: '' },
        quiet: { type: 'boolean', description: 'hush', default: false },
        level: { type: 'string', short: 'L', description: 'how much' },
      },
    });
    expect(text.split('\n')).toEqual([
      'usage: pnpm --filter demo start [flags] FILE...',
      '',
      'A test program.',
      '',
      'flags:',
      '  --host HOST        address to bind (default 127.0.0.1; env HOST)',
      '  -p, --port PORT    port to listen on, 0 picks a free one (default 8888; env PORT)',
      '  --out VALUE        where',
      '  --quiet            hush',
      '  -L, --level VALUE  how much',
      '  -h, --help         show this help',
      '',
      'example: send a file',
    ]);
  });
});
