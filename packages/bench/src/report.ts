// What a bench says when a script, not a person, reads it (`--json`): one JSON document with
// the rows and their figures, the anchor row the others are compared with, each ratio with
// its goal, and the machine it ran on. `pnpm bench --quick` reads these documents from every
// bench and prints one summary table.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** The flags every bench takes besides its own; spread them into a CliSpec's `flags`. */
export const REPORT_FLAGS = {
  json: {
    type: 'boolean',
    description: 'print one JSON document (rows, anchor, ratios, machine) instead of the tables',
  },
  quick: {
    type: 'boolean',
    description: 'a small run (well under a minute) with the same rows, for a quick check',
  },
} as const;

/** One row of a bench: a program (ours, the seed's, nc…) and its figures under one load. */
export interface BenchRow {
  name: string;
  /** Figures by name, with their unit in the name: `MB/s`, `round trips/s`, `peak RSS MB`. */
  figures: Record<string, number | null>;
}

/** A figure of one row against the same figure of the anchor row. */
export interface Comparison {
  figure: string;
  row: string;
  anchor: string;
  value: number | null;
  anchorValue: number | null;
  /** value / anchorValue for a figure where more is better; anchorValue / value otherwise. */
  ratio: number | null;
  /** The ratio the project aims for (≥), if it has one. */
  goal: number | null;
  met: boolean | null;
}

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  python: string | null;
  platform: string;
}

export interface BenchDocument {
  bench: string;
  /** The load: sizes, counts, rounds, as the bench was run. */
  params: Record<string, unknown>;
  rows: BenchRow[];
  comparisons: Comparison[];
  machine: Machine;
}

/** The machine a bench runs on, read now. */
export function machineInfo(): Machine {
  const py = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    python: py.status === 0 ? py.stdout.trim().replace(/^Python /, '') : null,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * Compares `figure` of row `row` with the anchor row's. `lowerIsBetter` for costs (RSS,
 * latency), where the ratio is inverted so that above 1 always means "ours does better".
 */
export function compare(
  rows: readonly BenchRow[],
  what: { figure: string; row: string; anchor: string; goal?: number; lowerIsBetter?: boolean },
): Comparison {
  const value = rows.find((r) => r.name === what.row)?.figures[what.figure] ?? null;
  const anchorValue = rows.find((r) => r.name === what.anchor)?.figures[what.figure] ?? null;
  let ratio: number | null = null;
  if (value !== null && anchorValue !== null && value > 0 && anchorValue > 0) {
    ratio = what.lowerIsBetter ? anchorValue / value : value / anchorValue;
  }
  const goal = what.goal ?? null;
  return {
    figure: what.figure,
    row: what.row,
    anchor: what.anchor,
    value,
    anchorValue,
    ratio,
    goal,
    met: goal === null || ratio === null ? null : ratio >= goal,
  };
}

/** A bound to check rather than a ratio: `peak RSS MB ≤ 100`. Met when value ≤ limit. */
export function limit(
  rows: readonly BenchRow[],
  what: { figure: string; row: string; max: number },
): Comparison {
  const value = rows.find((r) => r.name === what.row)?.figures[what.figure] ?? null;
  return {
    figure: what.figure,
    row: what.row,
    anchor: `limit ${what.max}`,
    value,
    anchorValue: what.max,
    ratio: value === null ? null : what.max / value,
    goal: 1,
    met: value === null ? null : value <= what.max,
  };
}

/** Prints the document as one line of JSON on stdout (what `pnpm bench --quick` parses). */
export function printJson(doc: Omit<BenchDocument, 'machine'>): void {
  console.log(JSON.stringify({ ...doc, machine: machineInfo() }));
}
