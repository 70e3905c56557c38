// The benches' seeded randomness: repeatable, in range, and a shuffle that keeps every item.
import { expect, test } from 'vitest';
import { seededRandom, shuffled } from '../src/random.js';

test('the same seed gives the same numbers, in [0, 1); another seed others', () => {
  const take = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
  const a = take(1);
  expect(take(1)).toEqual(a);
  expect(take(2)).not.toEqual(a);
  expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  expect(new Set(a).size).toBeGreaterThan(990);
});

test('shuffled keeps every item, leaves the list alone, and orders differently per draw', () => {
  const list = [0, 1, 2, 3, 4, 5];
  const random = seededRandom(7);
  const orders = Array.from({ length: 20 }, () => shuffled(list, random));
  for (const order of orders) expect([...order].sort()).toEqual(list);
  expect(list).toEqual([0, 1, 2, 3, 4, 5]);
  expect(new Set(orders.map((o) => o.join())).size).toBeGreaterThan(10);
});
