// Statistics every bench reports the same way, so that a p99 here means what it means there.

/**
 * The value at rank ceil(p·n) of values sorted ascending (the nearest-rank percentile, the
 * one that is always a value that was measured); 0 if there are none.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

/** `a / b` as `1.23x`, or `-` when there is nothing to divide by. */
export function formatRatio(a: number, b: number): string {
  return b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : '-';
}
