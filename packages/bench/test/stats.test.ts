// The figures every bench prints: nearest-rank percentiles and the Markdown table.
import { expect, test } from 'vitest';
import { compare, limit } from '../src/report.js';
import { formatRatio, percentile } from '../src/stats.js';
import { markdownTable } from '../src/table.js';

test('percentiles are nearest-rank: always a value that was measured', () => {
  const values = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(values, 0.5)).toBe(50);
  expect(percentile(values, 0.99)).toBe(99);
  expect(percentile(values, 1)).toBe(100);
  expect(percentile([3, 7], 0.5)).toBe(3);
  expect(percentile([7], 0.99)).toBe(7);
  expect(percentile([], 0.5)).toBe(0);
});

test('a ratio has two decimals and an x, or a dash with nothing to divide by', () => {
  expect(formatRatio(3, 2)).toBe('1.50x');
  expect(formatRatio(1, 0)).toBe('-');
});

test('a table pads names left and figures right, with a Markdown rule', () => {
  expect(
    markdownTable(
      ['server', 'ops/s'],
      [
        ['ours', '1,000'],
        ['python seed', '20'],
      ],
    ),
  ).toEqual([
    '| server      | ops/s |',
    '|-------------|------:|',
    '| ours        | 1,000 |',
    '| python seed |    20 |',
  ]);
});

test('a comparison is ours over the anchor, inverted for costs, and says whether the goal is met', () => {
  const rows = [
    { name: 'ours', figures: { 'MB/s': 900, 'peak RSS MB': 80 } },
    { name: 'nc', figures: { 'MB/s': 1000, 'peak RSS MB': 4 } },
  ];
  expect(compare(rows, { figure: 'MB/s', row: 'ours', anchor: 'nc', goal: 0.9 })).toMatchObject({
    value: 900,
    anchorValue: 1000,
    ratio: 0.9,
    met: true,
  });
  expect(compare(rows, { figure: 'MB/s', row: 'ours', anchor: 'missing' })).toMatchObject({
    ratio: null,
    met: null,
  });
  expect(
    compare(rows, { figure: 'peak RSS MB', row: 'ours', anchor: 'nc', lowerIsBetter: true }).ratio,
  ).toBe(0.05);
  expect(limit(rows, { figure: 'peak RSS MB', row: 'ours', max: 100 }).met).toBe(true);
  expect(limit(rows, { figure: 'peak RSS MB', row: 'ours', max: 50 }).met).toBe(false);
});
