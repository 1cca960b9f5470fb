/** One measured number with its target. */
export interface BenchResult {
  /** Name of the measurement, e.g. `start to first test body`. */
  name: string;
  /** The number compared with the target, formatted with its unit. */
  measured: string;
  /** The target, e.g. `<= 1.15x`. */
  target: string;
  /** Whether the target was met; undefined for numbers without a target. */
  pass: boolean | undefined;
  /** Method and breakdown of the measurement, one line each. */
  details: string[];
}

/** Returns the verdict column of a result. */
export function verdict(result: BenchResult): string {
  if (result.pass === undefined) {
    return 'info';
  }
  return result.pass ? 'PASS' : 'MISS';
}

/** Formats results as a Markdown table followed by their details. */
export function formatResults(results: BenchResult[]): string {
  const lines = ['| benchmark | measured | target | verdict |', '|---|---|---|---|'];
  for (const result of results) {
    lines.push(`| ${result.name} | ${result.measured} | ${result.target} | ${verdict(result)} |`);
  }
  for (const result of results) {
    lines.push('', `${result.name}:`, ...result.details.map((line) => `  ${line}`));
  }
  return lines.join('\n');
}
