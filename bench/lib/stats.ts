/** Returns the median of `values`; the mean of the two middle values when their count is even. */
export function median(values: number[]): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Formats milliseconds with no decimals, e.g. `412 ms`. */
export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

/** Formats the minimum, median and maximum of `values` in ms, e.g. `median 412 ms (380 to 460, n=5)`. */
export function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${ms(median(values))} (${Math.round(sorted[0] ?? Number.NaN)} to ${Math.round(sorted.at(-1) ?? Number.NaN)}, n=${values.length})`;
}

/** Returns the current time in ms since the Unix epoch, with sub-millisecond resolution. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
