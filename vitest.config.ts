import { defineConfig } from 'vitest/config';

// Tests of the library itself. The Rabbit suite (rabbit/) and the examples
// have configs of their own because they run against a booted DUT.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Each file boots DUTs of its own; two at once fill both cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
