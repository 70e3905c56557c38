// Support: the receiver's side of the disk: partial files and the atomic rename. Bytes never go
// straight into `big.iso`. They go into `.big.iso.partial`, which nobody mistakes for a finished
// file, and only once the size and digest check out does the partial become `big.iso`, in one
// rename(2) (atomic on POSIX: anyone looking sees the old state or the new one, never half).
// A transfer cut short leaves its partial behind for resume; old ones are swept away.
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { isPartialName, partialName, pathInside } from './names.js';

/** A partial file opened for a transfer, and how many bytes it already held. */
export interface Partial {
  path: string;
  handle: FileHandle;
  heldBytes: number;
}

/**
 * Opens (or creates) the partial file for `name` in `dir`, keeping what it holds. O_NOFOLLOW:
 * a symlink planted as `.name.partial` must not make us write somewhere else.
 */
export async function openPartial(dir: string, name: string): Promise<Partial> {
  const file = pathInside(dir, partialName(name));
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;
  const handle = await fs.open(file, flags, 0o644);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${file} is not a file`), { code: 'EISDIR' });
    return { path: file, handle, heldBytes: stat.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Closes a partial file's handle. One that never got a byte is removed too: an offer that
 * was abandoned at once leaves nothing worth resuming.
 */
export async function closePartial(partial: Partial): Promise<void> {
  await partial.handle.close().catch(() => {});
  const left = await fs.lstat(partial.path).catch(() => null);
  if (left?.isFile() && left.size === 0) await fs.rm(partial.path, { force: true });
}

/** Whether anything (a file, a folder, a symlink) has this name. */
export async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Moves a checked partial to its final name. Without `overwrite` it never replaces a file:
 * link(2) fails with EEXIST if the name is taken (even by a file that appeared a moment
 * ago), and only then is the partial's old name removed. Returns false if the name was taken.
 */
export async function commitPartial(
  partial: string,
  final: string,
  overwrite: boolean,
): Promise<boolean> {
  if (overwrite) {
    await fs.rename(partial, final);
    return true;
  }
  try {
    await fs.link(partial, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    // No hard links here (FAT, some network mounts): look, then rename. A file created in
    // between would be replaced; on such file systems that is the best rename(2) offers.
    const taken = await fs.stat(final).then(
      () => true,
      () => false,
    );
    if (taken) return false;
    await fs.rename(partial, final);
    return true;
  }
  await fs.unlink(partial);
  return true;
}

/**
 * Deletes partial files in `dir` that nobody has written to for `maxAgeMs` (a sender that
 * never came back), except those in `busy`. Returns the names it removed.
 */
export async function sweepPartials(
  dir: string,
  maxAgeMs: number,
  busy: ReadonlySet<string> = new Set(),
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !isPartialName(entry.name) || busy.has(entry.name)) continue;
    const file = pathInside(dir, entry.name);
    const stat = await fs.stat(file).catch(() => null);
    if (stat && now - stat.mtimeMs >= maxAgeMs) {
      await fs.rm(file, { force: true });
      removed.push(entry.name);
    }
  }
  return removed;
}
