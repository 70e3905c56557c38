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

test('UTF-8 at its edges: the first and last of each length, and what lies just outside', () => {
  // Valid: U+0080 (a C1 control, so escaped), U+07FF, U+0800, U+FFFD, U+10000, U+10FFFF.
  expect(previewBytes(b(0xc2, 0x80))).toBe('\\xc2\\x80');
  expect(previewBytes(b(0xdf, 0xbf))).toBe('\u07ff');
  expect(previewBytes(Buffer.from('©'))).toBe('©'); // 0xc2 0xa9: the lowest lead byte
  expect(previewBytes(b(0xe0, 0xa0, 0x80))).toBe('\u0800');
  expect(previewBytes(b(0xef, 0xbf, 0xbd))).toBe('\ufffd');
  expect(previewBytes(b(0xf0, 0x90, 0x80, 0x80))).toBe('\u{10000}');
  expect(previewBytes(b(0xf4, 0x8f, 0xbf, 0xbf))).toBe('\u{10ffff}');
  // Not UTF-8: a lone lead byte 0xc1/0xf5, overlong 3- and 4-byte forms, past U+10FFFF,
  // a continuation byte missing, a sequence cut by the end of the input.
  expect(previewBytes(b(0xc1, 0x80))).toBe('\\xc1\\x80');
  expect(previewBytes(b(0xe0, 0x80, 0x80))).toBe('\\xe0\\x80\\x80');
  expect(previewBytes(b(0xf0, 0x80, 0x80, 0x80))).toBe('\\xf0\\x80\\x80\\x80');
  expect(previewBytes(b(0xf4, 0x90, 0x80, 0x80))).toBe('\\xf4\\x90\\x80\\x80');
  expect(previewBytes(b(0xf5, 0x80, 0x80, 0x80))).toBe('\\xf5\\x80\\x80\\x80');
  expect(previewBytes(b(0xe4, 0x41, 0x42))).toBe('\\xe4AB');
  expect(previewBytes(b(0xed, 0xbf, 0xbf))).toBe('\\xed\\xbf\\xbf'); // U+DFFF, the last surrogate
  expect(previewBytes(b(0x41, 0xf0, 0x9f, 0x98))).toBe('A\\xf0\\x9f\\x98');
  expect(previewBytes(Buffer.from('😀'))).toBe('😀');
  // A continuation byte or 0xc0 cannot start a character, whatever follows it.
  expect(previewBytes(b(0x80, 0xa0, 0x80))).toBe('\\x80\\xa0\\x80');
  expect(previewBytes(b(0x80, 0x90, 0x80, 0x80))).toBe('\\x80\\x90\\x80\\x80');
  expect(previewBytes(b(0xc0, 0x90, 0x80, 0x80))).toBe('\\xc0\\x90\\x80\\x80');
});

test('word joiners and invisible operators are escaped, the characters around them are not', () => {
  expect(safeText('\u2060\u2064\u205f\u2065')).toBe('\\u{2060}\\u{2064}\u205f\u2065');
  expect(safeText('\u200a\u2010\u2027\u202f')).toBe('\u200a\u2010\u2027\u202f');
});
