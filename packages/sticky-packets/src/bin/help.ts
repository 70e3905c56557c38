// Support for both entry points: `--help` in words that fit TCP and UDP alike. common's usage
// text says "connect to" for a client and "listen on" for a server, but with --udp nothing
// connects or listens: a datagram is sent to an address, and a receiver binds one. So the
// two lines about --host and --port are said again here, and the rest is common's.
import { type CliSpec, type FlagSpec, formatUsage, parseCli } from '@socket-lab/common';

/** What --host and --port mean for each side, over TCP and UDP. */
export const ADDRESS_WORDS = {
  client: [
    ['address to connect to', 'address to send to'],
    ['port to connect to', 'port to send to'],
  ],
  server: [['port to listen on', 'port to bind']],
} as const;

/**
 * When the command line asks for --help, prints the usage with ADDRESS_WORDS and returns
 * true. A command line with a mistake returns false: runCli then reports it.
 */
export function printedHelp<F extends Record<string, FlagSpec>>(
  spec: CliSpec<F>,
  argv: readonly string[] = process.argv.slice(2),
): boolean {
  let help = false;
  try {
    help = parseCli(spec, argv).help;
  } catch {
    return false;
  }
  if (!help) return false;
  let text = formatUsage(spec);
  for (const [common, ours] of ADDRESS_WORDS[spec.role]) text = text.replace(common, ours);
  console.log(text);
  return true;
}
