// Flags and environment for every socket-lab program, on top of node:util parseArgs.
// Each program declares its own flags; --host, --port and --help come for free, HOST and
// PORT are read from the environment, and flags win. Values arrive as strings and are
// checked here, so a bad value is one clear line ("--port must be ...") and not a crash.
import { parseArgs } from 'node:util';

/** One flag of a program: its type, its default, and the line `--help` prints for it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder shown in `--help`, e.g. `SECONDS`. */
  valueName?: string;
  default?: string | boolean;
  short?: string;
  multiple?: boolean;
}

/** A program's command line: the name used in messages, a one-line summary, its flags. */
export interface CliSpec<F extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  /** How the user runs it, e.g. `pnpm --filter tcp-echo start`. */
  usage: string;
  /** A server binds --host; a client connects to it. Only the help text differs. */
  role: 'server' | 'client';
  /**
   * What --host and --port mean, where the role's words mislead: over UDP nothing
   * connects or listens (`address to send to`, `port to bind`). Default: by role.
   */
  hostHelp?: string;
  portHelp?: string;
  summary: string;
  defaultHost?: string;
  /** The seed's port. */
  defaultPort: number;
  /**
   * `false` for programs that open no socket (an in-memory benchmark): no --host or
   * --port then, and HOST/PORT are ignored.
   */
  network?: boolean;
  flags: F;
  /** Extra lines after the flags: examples, notes. */
  notes?: readonly string[];
  /** Accept positional arguments (file-transfer's `client FILE...`). */
  positionals?: string;
}

type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : S extends { default: string }
      ? string
      : string | undefined;

/** What `parseCli` returns: the common flags already checked, the program's flags as typed. */
export interface ParsedCli<F extends Record<string, FlagSpec>> {
  host: string;
  port: number;
  help: boolean;
  flags: { [K in keyof F]: FlagValue<F[K]> };
  positionals: string[];
}

/** A mistake on the command line. `runCli` prints its message as one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const DEFAULT_HOST = '127.0.0.1';

/**
 * Parses argv (without node and script) against `spec`, with `HOST`/`PORT` from `env`.
 * A single leading `--` is dropped: `pnpm start -- --port 1` passes it through literally.
 * Throws UsageError on an unknown flag, a missing value or a bad port.
 */
export function parseCli<F extends Record<string, FlagSpec>>(
  spec: CliSpec<F>,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ParsedCli<F> {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = { help: { type: 'boolean', short: 'h' } };
  const network = spec.network !== false;
  if (network) {
    options.host = { type: 'string' };
    options.port = { type: 'string', short: 'p' };
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = { type: flag.type };
    if (flag.short) options[name].short = flag.short;
    if (flag.multiple) options[name].multiple = true;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0 && !spec.positionals && !values.help) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`);
  }

  const flags: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    flags[name] = values[name] ?? flag.default ?? (flag.type === 'boolean' ? false : undefined);
    if (flag.multiple && flags[name] === undefined) flags[name] = [];
  }

  const hostText = network
    ? ((values.host as string | undefined) ?? nonEmpty(env.HOST) ?? spec.defaultHost)
    : spec.defaultHost;
  const portText = network
    ? ((values.port as string | undefined) ?? nonEmpty(env.PORT))
    : undefined;
  const host = hostText ?? DEFAULT_HOST;
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  const portSource = values.port !== undefined ? '--port' : 'PORT';
  const port = portText === undefined ? spec.defaultPort : toPort(portText, portSource);

  return {
    host,
    port,
    help: values.help === true,
    flags: flags as ParsedCli<F>['flags'],
    positionals,
  };
}

/** `--help` text: usage, summary, every flag with its default. */
export function formatUsage(spec: CliSpec): string {
  const rows: [string, string][] = [];
  if (spec.network !== false) {
    const server = spec.role === 'server';
    const hostHelp = spec.hostHelp ?? (server ? 'address to bind' : 'address to connect to');
    const portHelp =
      spec.portHelp ?? (server ? 'port to listen on, 0 picks a free one' : 'port to connect to');
    rows.push(
      ['--host HOST', `${hostHelp} (default ${spec.defaultHost ?? DEFAULT_HOST}; env HOST)`],
      ['-p, --port PORT', `${portHelp} (default ${spec.defaultPort}; env PORT)`],
    );
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    const left = `${flag.short ? `-${flag.short}, ` : ''}--${name}${flag.type === 'string' ? ` ${flag.valueName ?? 'VALUE'}` : ''}`;
    const def =
      flag.default !== undefined && flag.default !== false && flag.default !== ''
        ? ` (default ${flag.default})`
        : '';
    rows.push([left, `${flag.description}${def}`]);
  }
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [
    `usage: ${spec.usage} [flags]${spec.positionals ? ` ${spec.positionals}` : ''}`,
    '',
    spec.summary,
    '',
    'flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ];
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return lines.join('\n');
}

/** A TCP/UDP port, 0 to 65535 (0 asks the OS for a free one). */
export function toPort(text: string, flag = '--port'): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`${flag} must be a whole number from 0 to 65535 (got "${text}")`);
  }
  return n;
}

/** A whole number in [min, max], e.g. `--clients 100`. */
export function toInteger(
  text: string,
  flag: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range} (got "${text}")`);
  }
  return n;
}

/**
 * A duration in seconds, decimals allowed (`--timeout 0.5`), as `nc -w` takes it.
 * Returns milliseconds, because that is what Node's timers take.
 */
export function toMilliseconds(text: string, flag: string, maxSeconds = 86_400): number {
  const n = /^\d+(\.\d+)?$|^\.\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > maxSeconds) {
    throw new UsageError(
      `${flag} must be a number of seconds from 0 to ${maxSeconds} (got "${text}")`,
    );
  }
  return Math.round(n * 1000);
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** A size in bytes with an optional K, M or G suffix (powers of 1024): `--max-size 10M`. */
export function toBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?$/i.exec(text.trim());
  const n = m ? Number(m[1]) * (SIZE_UNITS[(m[2] as string).toUpperCase()] as number) : Number.NaN;
  if (!Number.isFinite(n) || !Number.isSafeInteger(Math.floor(n))) {
    throw new UsageError(`${flag} must be a size such as 512, 64K, 10M or 1G (got "${text}")`);
  }
  return Math.floor(n);
}

/** One of a fixed set of words, e.g. `--mode greet|ask`. */
export function toChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${flag} must be one of ${choices.join(', ')} (got "${text}")`);
  }
  return text as T;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

// parseArgs' own messages are long and suggest quoting tricks; say it in a few words.
function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  // Node words these `Unknown option '--x'` and `Option '-p, --port <value>' argument
  // missing`: the flag is the last one before the quote.
  const flag = /(--?[\w-]+)(?: <value>)?'/.exec(message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `${flag} needs a value`;
      if (/ambiguous/.test(message)) {
        return `${flag} needs a value (for one that starts with "-", write ${flag}=-…)`;
      }
      return `${flag} takes no value`;
    default:
      return message;
  }
}
