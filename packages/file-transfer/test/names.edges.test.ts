// The name rules at their edges: what counts as one of our partial files (`.x.partial`, and
// not `..partial` or `x.partial`), a colon inside a name (only a leading `X:` is a drive),
// every slash lookalike, characters outside the BMP, the exact byte limit and the words of
// each refusal, and the last check that a name stays directly inside the folder.
import { describe, expect, test } from 'vitest';
import {
  isMisleading,
  isPartialName,
  MAX_NAME_BYTES,
  partialName,
  pathInside,
  sanitizeName,
} from '../src/names.js';

describe('partial files', () => {
  test('a partial file is `.` + a non-empty name + `.partial`', () => {
    expect(partialName('big.iso')).toBe('.big.iso.partial');
    const partials = ['.x.partial', '.big.iso.partial', '...partial', '. .partial'];
    expect(partials.filter((name) => !isPartialName(name))).toEqual([]);
  });

  test('`..partial`, `.partial`, a `*.partial` without the leading dot, and near misses are not partial files', () => {
    // `..partial` would be the partial file of an empty name, and an empty name is refused.
    const others = [
      '..partial',
      '.partial',
      'x.partial',
      'notes.partial',
      '.x.partia',
      '.x.partial~',
      '',
    ];
    expect(others.filter((name) => isPartialName(name))).toEqual([]);
  });

  test('the partial file of any name the rule accepts is a partial name, and is refused', () => {
    // (Up to MAX_NAME_BYTES - 9: a longer name's partial name is refused for its length first.)
    for (const sent of [
      'a',
      'report.pdf',
      '名前.txt',
      '..partial',
      'x'.repeat(MAX_NAME_BYTES - 9),
    ]) {
      const got = sanitizeName(sent);
      expect(got.ok, sent).toBe(true);
      if (!got.ok) continue;
      const partial = partialName(got.name);
      expect(isPartialName(partial), partial).toBe(true);
      expect(sanitizeName(partial)).toEqual({
        ok: false,
        reason: `${JSON.stringify(partial)} is reserved for partial files`,
      });
    }
  });

  test('`..partial` itself is an ordinary name; any `.*.partial` is refused', () => {
    expect(sanitizeName('..partial')).toEqual({ ok: true, name: '..partial', changed: false });
    expect(sanitizeName('dir/.notes.txt.partial').ok).toBe(false);
    expect(sanitizeName('.partial')).toEqual({ ok: true, name: '.partial', changed: false });
  });
});

describe('colons and drives', () => {
  test('a colon inside a name is kept', () => {
    for (const name of [
      'Re: notes.txt',
      'notes:v2.txt',
      '12:30.log',
      'é:x',
      'ab:c',
      ':x',
      'xy:z:',
    ]) {
      expect(sanitizeName(name), name).toEqual({ ok: true, name, changed: false });
    }
  });

  test('only one letter and a colon at the start of the base name is a drive, dropped', () => {
    expect(sanitizeName('C:report.pdf')).toEqual({ ok: true, name: 'report.pdf', changed: true });
    expect(sanitizeName('z:x')).toEqual({ ok: true, name: 'x', changed: true });
    expect(sanitizeName('D:\\docs\\C:x')).toEqual({ ok: true, name: 'x', changed: true });
    expect(sanitizeName('dir/Re: a')).toEqual({ ok: true, name: 'Re: a', changed: true });
    expect(sanitizeName('x:')).toEqual({ ok: false, reason: 'no usable file name in "x:"' });
    // Only the first: `C:D:x` keeps `D:x`.
    expect(sanitizeName('C:D:x')).toEqual({ ok: true, name: 'D:x', changed: true });
  });
});

describe('characters', () => {
  test('every slash lookalike is replaced, and is misleading', () => {
    const lookalikes = [0x2044, 0x2215, 0x2216, 0x29f5, 0x29f8, 0x29f9, 0xfe68, 0xff0f, 0xff3c];
    for (const cp of lookalikes) {
      const ch = String.fromCodePoint(cp);
      expect(isMisleading(cp), cp.toString(16)).toBe(true);
      expect(sanitizeName(`a${ch}b`), cp.toString(16)).toEqual({
        ok: true,
        name: 'a_b',
        changed: true,
      });
    }
    for (const cp of [0x2f, 0x5c, 0x41, 0x2043, 0x2045, 0xff0e, 0x1f600]) {
      expect(isMisleading(cp), cp.toString(16)).toBe(false);
    }
  });

  test('a character outside the BMP is one character: kept whole, never split', () => {
    expect(sanitizeName('😀.txt')).toEqual({ ok: true, name: '😀.txt', changed: false });
    expect(sanitizeName('𝒳\u200b𝒴')).toEqual({ ok: true, name: '𝒳_𝒴', changed: true });
  });

  test('line and paragraph separators are replaced like newlines', () => {
    expect(sanitizeName('a\u2028b\u2029c\u0085d')).toEqual({
      ok: true,
      name: 'a_b_c_d',
      changed: true,
    });
  });
});

describe('the byte limit and the words of a refusal', () => {
  test(`${MAX_NAME_BYTES} bytes pass, ${MAX_NAME_BYTES + 1} are refused with the count`, () => {
    expect(sanitizeName('x'.repeat(MAX_NAME_BYTES))).toMatchObject({ ok: true });
    expect(sanitizeName('x'.repeat(MAX_NAME_BYTES + 1))).toEqual({
      ok: false,
      reason: `name is ${MAX_NAME_BYTES + 1} bytes long (at most ${MAX_NAME_BYTES})`,
    });
    // Bytes, not characters: 80 three-byte characters are 240 bytes, 81 are 243.
    expect(sanitizeName('中'.repeat(80))).toMatchObject({ ok: true });
    expect(sanitizeName('中'.repeat(81))).toEqual({
      ok: false,
      reason: `name is 243 bytes long (at most ${MAX_NAME_BYTES})`,
    });
  });

  test('the limit applies to the name kept, not to the path sent', () => {
    const long = `${'d'.repeat(500)}/${'x'.repeat(MAX_NAME_BYTES)}`;
    expect(sanitizeName(long)).toEqual({
      ok: true,
      name: 'x'.repeat(MAX_NAME_BYTES),
      changed: true,
    });
  });

  test('a name with nothing usable says what was sent', () => {
    expect(sanitizeName('a/..')).toEqual({ ok: false, reason: 'no usable file name in "a/.."' });
    expect(sanitizeName('C:')).toEqual({ ok: false, reason: 'no usable file name in "C:"' });
    expect(sanitizeName('x\\.')).toEqual({ ok: false, reason: 'no usable file name in "x\\\\."' });
    expect(sanitizeName('...')).toEqual({ ok: true, name: '...', changed: false });
  });
});

describe('pathInside', () => {
  test('a plain name lands directly in the folder', () => {
    expect(pathInside('/srv/in', 'a.txt')).toBe('/srv/in/a.txt');
    expect(pathInside('/srv/in/', 'Re: a')).toBe('/srv/in/Re: a');
    expect(pathInside('relative', 'x')).toBe(`${process.cwd()}/relative/x`);
  });

  test('anything that would not be directly inside throws, naming the name', () => {
    for (const name of ['.', '..', '../x', 'a/b', '/etc/passwd', '']) {
      expect(() => pathInside('/srv/in', name), name).toThrow(`${name} is not a plain name`);
    }
  });
});
