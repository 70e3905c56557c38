// The server's limits, as a hostile peer meets them: real process, real sockets, port 0.
import { once } from 'node:events';
import net from 'node:net';
import { packageCli } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';

const cli = packageCli(import.meta.url);
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  cli.killAll();
});

function connect(port: number): net.Socket {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  sockets.push(s);
  return s;
}

test('--max-clients 2: a third client is closed at once and logged; the first two are served', async () => {
  // What this checks: a flood cannot take more than N sockets; the ones inside still echo.
  const server = await cli.start(['--max-clients', '2']);
  const first = connect(server.port);
  const second = connect(server.port);
  await server.proc.waitFor(/#2 accepted/);
  const third = connect(server.port);
  await once(third, 'close'); // the server's doing: we never close it
  await server.proc.waitFor(/refused 127\.0\.0\.1:\d+: server full \(2 clients, --max-clients\)/);
  for (const s of [first, second]) {
    s.write('still here');
    const [echo] = await once(s, 'data');
    expect(String(echo)).toBe('still here');
  }
  // A place frees up when a client leaves.
  first.destroy();
  await server.proc.waitFor(/#1 closed/);
  const fourth = connect(server.port);
  fourth.write('in');
  const [echo] = await once(fourth, 'data');
  expect(String(echo)).toBe('in');
  expect(await server.proc.stop()).toBe(0);
});

test('--max-clients takes a whole number; anything else is one line and exit 2', async () => {
  const bad = await cli.run('start', ['--max-clients', 'lots']);
  expect(bad).toMatchObject({ code: 2, stdout: '' });
  expect(bad.stderr).toBe(
    'socket-basics start: --max-clients must be a whole number from 0 to 1000000 (got "lots") (see --help)\n',
  );
  const help = await cli.run('start', ['--help']);
  expect(help.stdout).toContain('--max-clients N');
});
