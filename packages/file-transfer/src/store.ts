// Support: the receiver's side of the disk: partial files and the atomic rename. Bytes never go
// straight into `big.iso`. They go into `.big.iso.partial`, which nobody mistakes for a finished
// file, and only once the size and digest check out does the partial become `big.iso`, in one
// rename(2) (atomic on POSIX: anyone looking sees the old state or the new one, never half).
// A transfer cut short leaves its partial behind for resume; old ones are swept away, and
// past a number of them (--max-partials) the oldest idle ones make room for a new one.
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isPartialName, partialName, pathInside } from './names.js';

/** A partial file opened for a transfer, and how many bytes it already held. */
export interface Partial {
  path: string;
  handle: FileHandle;
  heldBytes: number;
}

/** How many partial files a folder may hold, and which transfers are using theirs now. */
export interface PartialLimit {
  max: number;
  /** Names (`big.iso`, not `.big.iso.partial`) being received now: never removed. */
  busy: ReadonlySet<string>;
  /** Told which partials were removed to make room. */
  onRemoved?: (partials: string[]) => void;
}

/**
 * Opens (or creates) the partial file for `name` in `dir`, keeping what it holds. O_NOFOLLOW:
 * a symlink planted as `.name.partial` must not make us write somewhere else; a hard link,
 * which O_NOFOLLOW cannot see, is refused by its link count. With a `limit`, room is made
 * first (makeRoom), one opening at a time per folder, so two offers cannot both take the
 * last place.
 */
export function openPartial(dir: string, name: string, limit?: PartialLimit): Promise<Partial> {
  const file = pathInside(dir, partialName(name));
  if (!limit) return openChecked(file);
  return inTurn(dir, async () => {
    const removed = await makeRoom(dir, name, limit);
    if (removed.length > 0) limit.onRemoved?.(removed);
    return openChecked(file);
  });
}

async function openChecked(file: string): Promise<Partial> {
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;
  const handle = await fs.open(file, flags, 0o644);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${file} is not a file`), { code: 'EISDIR' });
    // A partial we made has one name. A second one means someone linked it (or it to a file
    // elsewhere, before we came): writing would change that other file too.
    if (stat.nlink !== 1) {
      const base = path.basename(file);
      throw new Error(`${base} has ${stat.nlink} hard links; refusing to write through it`);
    }
    return { path: file, handle, heldBytes: stat.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Removes the oldest idle partials in `dir` (by last write) until a partial for `name` fits
 * within `limit.max`. Partials in use are never removed: if they alone fill the limit, throws.
 * Returns the partial names it removed.
 */
async function makeRoom(dir: string, name: string, limit: PartialLimit): Promise<string[]> {
  const own = partialName(name);
  const busy = new Set([...limit.busy].map(partialName));
  const others: { name: string; mtimeMs: number }[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() || !isPartialName(entry.name) || entry.name === own) continue;
    const stat = await fs.lstat(pathInside(dir, entry.name)).catch(() => null);
    if (stat) others.push({ name: entry.name, mtimeMs: stat.mtimeMs });
  }
  const over = others.length + 1 - limit.max; // + 1: ours, new or resumed
  if (over <= 0) return [];
  const idle = others.filter((p) => !busy.has(p.name)).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const removed: string[] = [];
  for (const p of idle.slice(0, over)) {
    await fs.rm(pathInside(dir, p.name), { force: true });
    removed.push(p.name);
  }
  if (removed.length < over) {
    throw new Error(`all ${limit.max} partial files are in use (--max-partials ${limit.max})`);
  }
  return removed;
}

// One opening at a time per folder: each waits for the one before it to settle.
const turns = new Map<string, Promise<void>>();
function inTurn<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  const run = (turns.get(key) ?? Promise.resolve()).then(task);
  const settled = run.then(
    () => {},
    () => {},
  );
  turns.set(key, settled);
  void settled.then(() => turns.get(key) === settled && turns.delete(key));
  return run;
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
