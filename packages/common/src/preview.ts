// Byte previews for logs. What arrives on a socket is bytes, not text: it may be cut in
// the middle of a UTF-8 character, hold control characters that move the cursor, or be
// binary. A preview shows text as text and everything else escaped, so a log line stays
// one line and a hostile peer cannot write to the terminal.

/** Default number of characters a preview shows before it is cut with `…`. */
export const PREVIEW_CHARS = 60;

const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 92: '\\\\' };

/**
 * Printable text as is; `\n`, `\r`, `\t` and `\\` escaped; other control bytes and bytes
 * that are not valid UTF-8 as `\xNN`. At most `maxChars` characters, then `…`.
 */
export function previewBytes(bytes: Uint8Array, maxChars = PREVIEW_CHARS): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let shown = 0;
  let i = 0;
  while (i < buf.length) {
    if (shown >= maxChars) return `${out}…`;
    const b = buf[i] as number;
    const len = utf8SequenceLength(buf, i);
    if (len === 0) {
      out += hex(b); // not UTF-8 here: show the byte
      i += 1;
    } else if (len === 1) {
      out += ESCAPES[b] ?? (b < 0x20 || b === 0x7f ? hex(b) : String.fromCharCode(b));
      i += 1;
    } else {
      const ch = buf.toString('utf8', i, i + len);
      const cp = ch.codePointAt(0) ?? 0;
      out += isUnsafeForTerminal(cp) ? [...buf.subarray(i, i + len)].map(hex).join('') : ch;
      i += len;
    }
    shown += 1;
  }
  return out;
}

/**
 * Characters that change how a terminal shows what follows, or hide themselves: C0 and C1
 * controls and DEL (cursor moves, colours, `ESC [` and its one-byte form U+009B), bidi
 * controls (U+202E turns `\u202etxt.exe` into what looks like `exe.txt`), and zero-width
 * characters (two names that look the same but are not).
 */
export function isUnsafeForTerminal(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp < 0xa0) ||
    cp === 0x061c || // Arabic letter mark
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space/non-joiner/joiner, LRM, RLM
    (cp >= 0x2028 && cp <= 0x202e) || // line/paragraph separators, bidi embeddings/overrides
    (cp >= 0x2060 && cp <= 0x2064) || // word joiner, invisible operators
    (cp >= 0x2066 && cp <= 0x2069) || // bidi isolates
    cp === 0xfeff // zero-width no-break space (BOM)
  );
}

/**
 * A string from a peer (a file name, an error text, a header) made safe for one log line:
 * every character `isUnsafeForTerminal` names is shown as `\u{…}` (`\n`, `\r`, `\t` and
 * `\\` as such), the rest as is. At most `maxChars` characters, then `…`.
 */
export function safeText(text: string, maxChars = Number.POSITIVE_INFINITY): string {
  let out = '';
  let shown = 0;
  for (const ch of text) {
    if (shown >= maxChars) return `${out}…`;
    const cp = ch.codePointAt(0) as number;
    out +=
      ESCAPES[cp] ?? (isUnsafeForTerminal(cp) ? `\\u{${cp.toString(16).padStart(4, '0')}}` : ch);
    shown += 1;
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i` (1 to 4), or 0 if none starts there. */
function utf8SequenceLength(buf: Buffer, i: number): number {
  const b = buf[i] as number;
  if (b < 0x80) return 1;
  let len: number;
  let min: number;
  if (b >= 0xc2 && b <= 0xdf) [len, min] = [2, 0x80];
  else if (b >= 0xe0 && b <= 0xef) [len, min] = [3, 0x800];
  else if (b >= 0xf0 && b <= 0xf4) [len, min] = [4, 0x10000];
  else return 0;
  if (i + len > buf.length) return 0;
  let cp = b & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const c = buf[i + k] as number;
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return len;
}

function hex(b: number): string {
  return `\\x${b.toString(16).padStart(2, '0')}`;
}
