/** The nearest-rank percentile of ascending samples (`q` in [0, 1]); 0 for none. */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}
