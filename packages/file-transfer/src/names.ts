// Path traversal: the name in an offer comes from the network, so it is hostile until shown
// otherwise. `../../.bashrc`, `/etc/cron.d/x`, `..\..\boot.ini` or `C:\x` joined onto the
// output folder would write outside it; a NUL or an escape sequence in a name can cut it short
// or take over the terminal that prints it; a bidi override makes `\u202etxt.exe` read as
// `exe.txt` in a listing. The rule here:
//   1. keep the base name only: what follows the last `/` or `\`, without a drive (`C:`);
//   2. replace with `_` every character that would lie on a terminal (controls, C1, bidi
//      controls, zero-width ones: common's isUnsafeForTerminal) and every character that
//      looks like a `/` or `\` without being one (fullwidth `／`, division slash `∕`, …):
//      replaced rather than refused, so the file still arrives, under a name that shows
//      what it is;
//   3. refuse what is left if it is empty, `.` or `..`, longer than MAX_NAME_BYTES, or shaped
//      like our partial files (`.x.partial`).
// The receiver says when it changed a name ("saved as x, sent as ../x") and why it refused one.
import path from 'node:path';
import { isUnsafeForTerminal } from '@socket-lab/common';

/**
 * 240 bytes: Linux allows 255 per name, and the partial file adds `.` and `.partial`
 * (9 bytes) around it. Longer names are refused rather than cut, so that two long names that
 * differ only at the end never land on the same file.
 */
export const MAX_NAME_BYTES = 240;

/** A name the receiver can use (`changed` when it differs from what was sent), or why not. */
export type NameCheck =
  | { ok: true; name: string; changed: boolean }
  | { ok: false; reason: string };

/** Applies the rule above to a name from an offer. */
export function sanitizeName(sent: string): NameCheck {
  const base = sent.slice(Math.max(sent.lastIndexOf('/'), sent.lastIndexOf('\\')) + 1);
  const name = base
    .replace(/^[A-Za-z]:/, '')
    .replace(/./gsu, (ch) => (isMisleading(ch.codePointAt(0) ?? 0) ? '_' : ch));
  if (name === '' || name === '.' || name === '..') {
    return { ok: false, reason: `no usable file name in ${JSON.stringify(sent)}` };
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    return { ok: false, reason: `name is ${bytes} bytes long (at most ${MAX_NAME_BYTES})` };
  }
  if (isPartialName(name)) {
    return { ok: false, reason: `${JSON.stringify(name)} is reserved for partial files` };
  }
  return { ok: true, name, changed: name !== sent };
}

/**
 * Characters that look like a path separator and are not one: fraction slash, division
 * slash, set minus, big solidus and reverse solidus, small reverse solidus, fullwidth
 * solidus and reverse solidus. In a listing `a／b` passes for a file `b` in a folder `a`.
 */
const SEPARATOR_LOOKALIKES = new Set([
  0x2044, 0x2215, 0x2216, 0x29f5, 0x29f8, 0x29f9, 0xfe68, 0xff0f, 0xff3c,
]);

/** Whether a character in a name would mislead whoever reads the name (rule 2). */
export function isMisleading(cp: number): boolean {
  return isUnsafeForTerminal(cp) || SEPARATOR_LOOKALIKES.has(cp);
}

/**
 * `dir/name` for a name that passed sanitizeName. Checks once more that the result is
 * directly inside `dir`, so a mistake in the rule above fails loudly instead of escaping.
 */
export function pathInside(dir: string, name: string): string {
  const full = path.resolve(dir, name);
  if (path.dirname(full) !== path.resolve(dir)) throw new Error(`${name} is not a plain name`);
  return full;
}

/** Partial files are hidden and say what they are: `.big.iso.partial`. */
export function partialName(name: string): string {
  return `.${name}.partial`;
}

/** Whether a file name is one of our partial files (for the clean-up of old ones). */
export function isPartialName(name: string): boolean {
  return name.length > '..partial'.length && name.startsWith('.') && name.endsWith('.partial');
}
