// The figures every bench prints: nearest-rank percentiles and the Markdown table.
import { expect, test } from 'vitest';
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
