import { setTimeout as sleep } from 'node:timers/promises';

/** Marks a `withTimeout` result whose promise did not settle in time. */
export const timedOut: unique symbol = Symbol('timed out');

/**
 * Resolves with `promise`'s value, or with `timedOut` after `ms`
 * milliseconds. The timer is cancelled once the race is decided, so it never
 * keeps the process alive.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  const controller = new AbortController();
  const timer: Promise<typeof timedOut> = sleep(ms, timedOut, { signal: controller.signal }).catch(() => timedOut);
  try {
    return await Promise.race([promise, timer]);
  } finally {
    controller.abort();
  }
}
