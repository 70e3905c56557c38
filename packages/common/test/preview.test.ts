// Byte previews: text stays text, everything that could break a log line or a terminal
// is escaped, invalid UTF-8 is shown byte by byte, and long input is cut.
import { expect, test } from 'vitest';
import { previewBytes } from '../src/preview.js';

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
