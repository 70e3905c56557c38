// Byte previews: text stays text, everything that could break a log line or a terminal
// is escaped, invalid UTF-8 is shown byte by byte, and long input is cut.
import { expect, test } from 'vitest';
import { isUnsafeForTerminal, previewBytes, safeText } from '../src/preview.js';

const b = (...bytes: number[]) => Buffer.from(bytes);

test('printable ASCII and UTF-8 text pass through', () => {
  expect(previewBytes(Buffer.from('hihi'))).toBe('hihi');
  expect(previewBytes(Buffer.from('连接成功 ✓'))).toBe('连接成功 ✓');
});

test('line endings, tabs and backslashes are escaped; other controls as \\xNN', () => {
  expect(previewBytes(Buffer.from('a\r\nb\tc\\'))).toBe('a\\r\\nb\\tc\\\\');
  expect(previewBytes(b(0x00, 0x1b, 0x7f))).toBe('\\x00\\x1b\\x7f');
});

test('bytes that are not UTF-8 are shown as hex, the valid text around them kept', () => {
  expect(previewBytes(b(0x68, 0xff, 0x69))).toBe('h\\xffi');
  expect(previewBytes(b(0xe8, 0xbf))).toBe('\\xe8\\xbf'); // a character cut in half
  expect(previewBytes(b(0xc0, 0xaf))).toBe('\\xc0\\xaf'); // an overlong '/'
  expect(previewBytes(b(0xed, 0xa0, 0x80))).toBe('\\xed\\xa0\\x80'); // a UTF-16 surrogate
});

test('terminal-reordering characters (bidi overrides, C1 controls) are escaped', () => {
  expect(previewBytes(Buffer.from('a\u202eb'))).toBe('a\\xe2\\x80\\xaeb');
  expect(previewBytes(Buffer.from('\u009b'))).toBe('\\xc2\\x9b');
});

test('long input is cut after maxChars characters with an ellipsis', () => {
  expect(previewBytes(Buffer.alloc(100, 'x'), 10)).toBe(`${'x'.repeat(10)}…`);
  expect(previewBytes(Buffer.alloc(10, 'x'), 10)).toBe('x'.repeat(10));
  expect(previewBytes(new Uint8Array(0))).toBe('');
});

test('a view into a larger buffer previews only its own bytes', () => {
  const big = Buffer.from('xxhelloxx');
  expect(previewBytes(big.subarray(2, 7))).toBe('hello');
});

test('zero-width characters and bidi marks are escaped too', () => {
  expect(previewBytes(Buffer.from('a\u200bb\u200fc\ufeff'))).toBe(
    'a\\xe2\\x80\\x8bb\\xe2\\x80\\x8fc\\xef\\xbb\\xbf',
  );
});

test('safeText escapes what a terminal would obey and keeps the rest', () => {
  expect(safeText('\u202etxt.exe')).toBe('\\u{202e}txt.exe');
  expect(safeText('a\u009b31mb')).toBe('a\\u{009b}31mb');
  expect(safeText('x\u200by')).toBe('x\\u{200b}y');
  expect(safeText('line\nnext\t\\')).toBe('line\\nnext\\t\\\\');
  expect(safeText('\u001b[2J')).toBe('\\u{001b}[2J');
  expect(safeText('连接成功 ✓ ｆｕｌｌ／width')).toBe('连接成功 ✓ ｆｕｌｌ／width');
  expect(safeText('abcdef', 3)).toBe('abc…');
});

test('the unsafe set: controls, bidi, zero-width; not ordinary text', () => {
  for (const cp of [
    0x00, 0x1b, 0x7f, 0x85, 0x9b, 0x200b, 0x200d, 0x200e, 0x202e, 0x2066, 0x2069, 0xfeff, 0x061c,
    0x2028,
  ]) {
    expect(isUnsafeForTerminal(cp), cp.toString(16)).toBe(true);
  }
  for (const cp of [0x20, 0x41, 0x7e, 0xa0, 0xe9, 0x4e2d, 0xff0f, 0x1f600]) {
    expect(isUnsafeForTerminal(cp), cp.toString(16)).toBe(false);
  }
});
