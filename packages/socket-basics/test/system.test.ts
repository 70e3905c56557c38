// What `ss` lines the lessons show: their own connection's, not an old one on the same port.
import { expect, test } from 'vitest';
import { linesOf, type SsSocket } from '../src/system.js';

const line = (state: string, local: string, peer: string): SsSocket => ({
  state,
  recvQ: 0,
  sendQ: 0,
  local,
  peer,
  timer: '',
});

test('an old TIME-WAIT on the same local port with another peer is left out', () => {
  const lines = [
    line('LISTEN', '127.0.0.1:7000', '0.0.0.0:*'),
    line('ESTAB', '127.0.0.1:7000', '127.0.0.1:50000'),
    line('ESTAB', '127.0.0.1:50000', '127.0.0.1:7000'),
    line('TIME-WAIT', '127.0.0.1:50000', '127.0.0.1:8000'),
    line('TIME-WAIT', '127.0.0.1:7000', '127.0.0.1:41000'),
  ];
  const server = { local: '127.0.0.1:7000', remote: '127.0.0.1:50000' };
  const client = { local: '127.0.0.1:50000', remote: '127.0.0.1:7000' };
  expect(linesOf(lines, [server, client]).map((s) => s.state)).toEqual([
    'LISTEN',
    'ESTAB',
    'ESTAB',
  ]);
  expect(linesOf(lines, [client])).toEqual([lines[0], lines[2]]);
});
