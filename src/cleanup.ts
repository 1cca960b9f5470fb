import { createLogger } from './log.ts';

const log = createLogger('cleanup');

/**
 * Release steps registered while resources are created, run in reverse
 * order. A failing step is logged and does not stop the others.
 */
export class CleanupStack {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> | unknown }> = [];

  /** Registers `run`, which releases the resource called `name`. */
  defer(name: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, run });
  }

  /** Runs every step once, last registered first, and returns the errors caught. */
  async run(): Promise<Error[]> {
    const errors: Error[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        log.error(`releasing ${step.name} failed: ${(error as Error).message}`);
        errors.push(error as Error);
      }
    }
    return errors;
  }
}
