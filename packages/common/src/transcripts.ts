// README transcripts that cannot go stale. A console block in a README that follows the
// marker `<!-- transcript -->` holds a command (`$ pnpm -s --filter tcp-echo demo`) and what
// it printed. `pnpm transcripts` runs each command and writes its output back into the
// block; each package's readme test runs them again and fails when the code now prints
// something else. What differs from run to run by nature (ephemeral ports, timestamps,
// durations, rates, temporary paths) is masked for the comparison only, so the README keeps
// the real figures of the run that wrote it.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The comment that marks the console block after it as a transcript. */
export const TRANSCRIPT_MARK = '<!-- transcript -->';

const BLOCK_RE = /<!-- transcript -->\n```console\n([\s\S]*?)```/g;

/** One transcript block: the command after `$ `, what the README shows, and where it is. */
export interface Transcript {
  command: string;
  shown: string;
  /** Offsets of the block's body (between the fences) in the README. */
  start: number;
  end: number;
}

/** The transcript blocks of a README, in order. */
export function findTranscripts(readme: string): Transcript[] {
  const found: Transcript[] = [];
  for (const m of readme.matchAll(BLOCK_RE)) {
    const body = m[1] as string;
    const first = body.split('\n')[0] ?? '';
    if (!first.startsWith('$ '))
      throw new Error(`a transcript block must start with "$ ": ${first}`);
    const start = (m.index ?? 0) + m[0].indexOf(body);
    found.push({
      command: first.slice(2),
      shown: body.slice(first.length + 1),
      start,
      end: start + body.length,
    });
  }
  return found;
}

/**
 * Runs `command` the way a learner would, from the repository root, with a shell, no
 * colours and no terminal, and returns what it printed (stdout, then stderr).
 */
export function runTranscriptCommand(
  command: string,
  repoRoot: string,
  timeoutMs = 60_000,
): string {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const name of ['NODE_EXTRA_CA_CERTS', 'HOST', 'PORT', 'INIT_CWD', 'CI']) delete env[name];
  const run = spawnSync('bash', ['-c', command], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.error) throw run.error;
  return `${run.stdout}${run.stderr}`;
}

/**
 * What stays the same from run to run: ephemeral ports (10000 and up) become PORT,
 * clock times and dates become TIME and DATE, durations, rates and sizes with a decimal
 * point lose their digits, and temporary folders become TMP.
 */
export function maskVolatile(text: string): string {
  return text
    .replace(/\/tmp\/[\w.-]+/g, 'TMP')
    .replace(/\d{4}-\d{2}-\d{2}/g, 'DATE')
    .replace(/\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b/g, 'TIME')
    .replace(/(:|port |--port )[1-6]\d{4}\b/g, '$1PORT')
    .replace(
      /(?<![\d.])\d[\d,]*(\.\d+)?(?= ?(ms|s|µs|us|MB\/s|GB\/s|KB\/s|MiB\/s|B\/s|x|×|%)(?![\w]))/g,
      'N',
    )
    .replace(/(?<![\d.])\d+\.\d+(?![\d.])/g, 'N')
    .replace(/[ \t]+$/gm, '');
}

/** A transcript whose masked output no longer matches what the README shows. */
export interface StaleTranscript {
  command: string;
  shown: string;
  actual: string;
}

/**
 * Runs every transcript of `packageDir`'s README. With `write`, puts the new output into the
 * README; otherwise returns the blocks that are stale (empty when all match).
 */
export function checkTranscripts(
  packageDir: string,
  opts: { write?: boolean; timeoutMs?: number } = {},
): { stale: StaleTranscript[]; count: number } {
  const file = path.join(packageDir, 'README.md');
  const repoRoot = path.resolve(packageDir, '..', '..');
  let readme = readFileSync(file, 'utf8');
  const blocks = findTranscripts(readme);
  const stale: StaleTranscript[] = [];
  // Last block first, so that the offsets of the earlier ones stay right while writing.
  for (const block of [...blocks].reverse()) {
    const actual = runTranscriptCommand(block.command, repoRoot, opts.timeoutMs);
    if (maskVolatile(actual) !== maskVolatile(block.shown)) {
      stale.unshift({ command: block.command, shown: block.shown, actual });
    }
    if (opts.write) {
      const body = `$ ${block.command}\n${actual.endsWith('\n') ? actual : `${actual}\n`}`;
      readme = readme.slice(0, block.start) + body + readme.slice(block.end);
    }
  }
  if (opts.write) writeFileSync(file, readme);
  return { stale, count: blocks.length };
}

/**
 * For a package's `test/readme.test.ts` (pass its `import.meta.url`): checks the README of the
 * package the test file is in, and words the stale blocks as a diff with the command that
 * rewrites them, for the assertion's message.
 */
export function checkReadmeOf(testFileUrl: string): {
  stale: StaleTranscript[];
  count: number;
  report: string;
} {
  const packageDir = fileURLToPath(new URL('..', testFileUrl));
  const { stale, count } = checkTranscripts(packageDir);
  const diff = stale.map((s) => `$ ${s.command}\n--- README\n${s.shown}--- now\n${s.actual}`);
  const report = `stale transcripts (run pnpm transcripts ${path.basename(packageDir)}):\n${diff.join('\n')}`;
  return { stale, count, report };
}
