import { appendFileSync } from 'node:fs';

/** Environment variable naming the file that `recordMark` appends to. */
export const marksFileVariable = 'ALPY_BENCH_MARKS';

/**
 * Appends `name` and the current epoch time in ms to the file named by
 * `ALPY_BENCH_MARKS`; does nothing when the variable is not set.
 */
export function recordMark(name: string): void {
  const file = process.env[marksFileVariable];
  if (file) {
    appendFileSync(file, `${name} ${(performance.timeOrigin + performance.now()).toFixed(1)}\n`);
  }
}

/** Reads the marks written by `recordMark`: the first time of each name. */
export function parseMarks(text: string): Map<string, number> {
  const marks = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, time] = line.trim().split(' ');
    if (name && time && !marks.has(name)) {
      marks.set(name, Number(time));
    }
  }
  return marks;
}
