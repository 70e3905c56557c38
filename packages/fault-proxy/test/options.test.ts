// The command line as text → options, no process: probabilities, HOST:PORT, sizes, and the
// mistakes that must be one line and exit 2 (checked end to end in cli.test.ts).
import { parseCli, UsageError } from '@socket-lab/common';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_PORT,
  optionsFromFlags,
  parseHostPort,
  START_SPEC,
  toProbability,
} from '../src/cli.js';
import { NO_FAULTS } from '../src/faults.js';

/** The options for a command line, as `start` would build them. */
function options(...argv: string[]) {
  const { host, port, flags } = parseCli(START_SPEC, argv, {});
  return optionsFromFlags(host, port, flags);
}

/** The UsageError message for a command line. */
function mistake(...argv: string[]): string {
  try {
    options(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('toProbability', () => {
  test('takes 0.3, 30%, .5, 0, 1 and 100%', () => {
    expect(toProbability('0.3', '--loss')).toBe(0.3);
    expect(toProbability('30%', '--loss')).toBe(0.3);
    expect(toProbability('.5', '--loss')).toBe(0.5);
    expect(toProbability('0', '--loss')).toBe(0);
    expect(toProbability('1', '--loss')).toBe(1);
    expect(toProbability('100%', '--loss')).toBe(1);
    expect(toProbability('2.5%', '--loss')).toBe(0.025);
  });

  test('refuses what is not a probability, naming the flag', () => {
    for (const bad of ['1.5', '101%', '-0.1', 'abc', '', '%', '0.3.1', '30 %x', 'NaN']) {
      expect(() => toProbability(bad, '--loss')).toThrow(UsageError);
    }
    expect(() => toProbability('1.5', '--duplicate')).toThrow(
      '--duplicate must be a probability from 0 to 1, such as 0.3 or 30% (got "1.5")',
    );
  });
});

describe('parseHostPort', () => {
  test('takes HOST:PORT, [IPv6]:PORT and a bare PORT', () => {
    expect(parseHostPort('127.0.0.1:8888')).toEqual({ host: '127.0.0.1', port: 8888 });
    expect(parseHostPort('localhost:9')).toEqual({ host: 'localhost', port: 9 });
    expect(parseHostPort('[::1]:8888')).toEqual({ host: '::1', port: 8888 });
    expect(parseHostPort('8888')).toEqual({ host: '127.0.0.1', port: 8888 });
  });

  test('refuses a missing port, port 0, a port too big and a bare IPv6 address', () => {
    for (const bad of [
      '127.0.0.1',
      '127.0.0.1:',
      ':8888',
      '::1:8888',
      'a:0',
      'a:65536',
      '',
      'x:y',
    ]) {
      expect(() => parseHostPort(bad)).toThrow(UsageError);
    }
    expect(() => parseHostPort('host')).toThrow('--to must be HOST:PORT');
  });
});

describe('optionsFromFlags', () => {
  test('defaults: TCP, 127.0.0.1:8889, no faults, a 60 s idle timeout, no seed', () => {
    expect(options('--to', '127.0.0.1:8888')).toEqual({
      to: { host: '127.0.0.1', port: 8888 },
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      udp: false,
      faults: NO_FAULTS, // every fault off: faults.test.ts checks it describes as 'none'
      idleTimeoutMs: 60_000,
      trace: false,
    });
  });

  test('every UDP fault, with the seed and trace', () => {
    const o = options(
      ...['--to', '[::1]:53', '--udp', '--loss', '30%', '--duplicate', '0.1', '--reorder', '.2'],
      ...['--corrupt', '1%', '--delay', '0.1', '--jitter', '0.02', '--seed', '42', '--trace'],
      ...['--idle-timeout', '5', '--host', '::1', '--port', '0'],
    );
    expect(o).toMatchObject({
      to: { host: '::1', port: 53 },
      host: '::1',
      port: 0,
      udp: true,
      seed: 42,
      trace: true,
      idleTimeoutMs: 5000,
      faults: {
        loss: 0.3,
        duplicate: 0.1,
        reorder: 0.2,
        corrupt: 0.01,
        delayMs: 100,
        jitterMs: 20,
      },
    });
  });

  test('every TCP fault; sizes take K and M', () => {
    expect(
      options('--to', '1', '--rate', '1M', '--split', '7', '--cut-after', '1K').faults,
    ).toMatchObject({
      rateBytesPerSecond: 1024 * 1024,
      splitBytes: 7,
      cutAfterBytes: 1024,
      stallAfterBytes: null,
    });
    expect(options('--to', '1', '--stall-after', '0', '--delay', '0.25').faults).toMatchObject({
      stallAfterBytes: 0,
      delayMs: 250,
    });
  });

  test('mistakes are one line each', () => {
    expect(mistake()).toBe('--to HOST:PORT is required: the server to forward to');
    expect(mistake('--to', '1', '--udp', '--loss', '1.5')).toMatch(/^--loss must be a probability/);
    expect(mistake('--to', '1', '--split', '0')).toBe(
      '--split must be a whole number from 1 to 1073741824 (got "0")',
    );
    expect(mistake('--to', '1', '--loss', '0.3')).toBe('--loss is a UDP fault (add --udp)');
    expect(mistake('--to', '1', '--jitter', '0.1')).toBe('--jitter is a UDP fault (add --udp)');
    expect(mistake('--to', '1', '--udp', '--split', '7')).toBe(
      '--split is a TCP fault (leave out --udp)',
    );
    expect(mistake('--to', '1', '--udp', '--cut-after', '0')).toBe(
      '--cut-after is a TCP fault (leave out --udp)',
    );
    expect(mistake('--to', '1', '--cut-after', '1', '--stall-after', '1')).toBe(
      '--cut-after and --stall-after do not go together',
    );
    expect(mistake('--to', '1', '--seed', '4294967296')).toMatch(
      /^--seed must be a whole number from 0 to 4294967295/,
    );
    expect(mistake('--to', '1', '--delay', 'soon')).toMatch(/^--delay must be a number of seconds/);
    expect(mistake('--to', '1', '--rate', 'fast')).toMatch(/^--rate must be a size/);
  });
});
