// Path traversal: the name in an offer comes from the network, so it is hostile until shown
// otherwise. `../../.bashrc`, `/etc/cron.d/x`, `..\..\boot.ini` or `C:\x` joined onto the
// output folder would write outside it; a NUL or an escape sequence in a name can cut it short
// or take over the terminal that prints it. The rule here:
//   1. keep the base name only: what follows the last `/` or `\`, without a drive (`C:`);
//   2. replace control characters (NUL, newline, ESC, DEL, C1) with `_`;
//   3. refuse what is left if it is empty, `.` or `..`, longer than MAX_NAME_BYTES, or shaped
//      like our partial files (`.x.partial`).
// The receiver says when it changed a name ("saved as x, sent as ../x") and why it refused one.
import path from 'node:path';

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
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '_');
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
