// README transcripts: blocks are found after their marker, what varies by nature is masked,
// and a block whose command now prints something else is reported (and rewritten on request).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { checkTranscripts, findTranscripts, maskVolatile } from '../src/transcripts.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const block = (command: string, output: string) =>
  `<!-- transcript -->\n\`\`\`console\n$ ${command}\n${output}\`\`\`\n`;

test('only console blocks after the marker are transcripts', () => {
  const readme = `# x\n\n\`\`\`console\n$ not this\n\`\`\`\n\n${block('echo hi', 'hi\n')}`;
  const [t, ...rest] = findTranscripts(readme);
  expect(rest).toEqual([]);
  expect(t).toMatchObject({ command: 'echo hi', shown: 'hi\n' });
  expect(readme.slice(t?.start, t?.end)).toBe('$ echo hi\nhi\n');
});

test('a block without a command is an error, not a silent pass', () => {
  expect(() => findTranscripts(block('', '').replace('$ ', ''))).toThrow(/must start with "\$ "/);
});

test('ports, times, dates, durations, rates and temp paths are masked; words are not', () => {
  const a =
    'listening on 127.0.0.1:40213 (tcp)\n2026-11-25 17:21:03 took 0.123 s at 812.5 MB/s, 3.20x\n/tmp/ft-abc12/x ok';
  const b =
    'listening on 127.0.0.1:51000 (tcp)\n2027-01-02 09:00:00 took 1.5 s at 90 MB/s, 0.91x\n/tmp/ft-zz/x ok';
  expect(maskVolatile(a)).toBe(maskVolatile(b));
  expect(maskVolatile('listening on 127.0.0.1:8888 (tcp)')).toBe(
    'listening on 127.0.0.1:8888 (tcp)',
  );
  expect(maskVolatile('got 17 bytes')).not.toBe(maskVolatile('got 18 bytes'));
  expect(maskVolatile('hello')).not.toBe(maskVolatile('hullo'));
});

test('a stale block is reported, and --write puts the new output in', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'transcripts-'));
  made.push(dir);
  const pkg = path.join(dir, 'packages', 'x');
  mkdirSync(pkg, { recursive: true });
  const file = path.join(pkg, 'README.md');
  writeFileSync(
    file,
    `# x\n\n${block('echo one', 'one\n')}\ntext\n\n${block('echo two; echo 2.5 s', 'three\n')}`,
  );
  const check = checkTranscripts(pkg);
  expect(check.count).toBe(2);
  expect(check.stale).toEqual([
    { command: 'echo two; echo 2.5 s', shown: 'three\n', actual: 'two\n2.5 s\n' },
  ]);
  expect(checkTranscripts(pkg, { write: true }).stale).toHaveLength(1);
  expect(readFileSync(file, 'utf8')).toBe(
    `# x\n\n${block('echo one', 'one\n')}\ntext\n\n${block('echo two; echo 2.5 s', 'two\n2.5 s\n')}`,
  );
  expect(checkTranscripts(pkg).stale).toEqual([]);
});
