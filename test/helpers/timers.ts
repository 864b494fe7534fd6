/** Timer tracking by the source that set a timer, for leak checks. */
let stopTracking: (() => void) | undefined;

/**
 * Timers started from now on (until {@link stopTrackingTimers}) while code under `source` (a folder's path) is on the
 * stack, which includes what it calls synchronously, that have neither fired nor been cleared, each with the stack
 * that set it. Exact where a count of the process's timers is not: other code in the worker (vitest, undici's
 * keep-alive, other tests' clients and servers) sets timers of its own at any moment.
 * The globals are replaced directly, not through `vi.spyOn`: a spy records every call, and its arguments (the
 * callbacks, and through them sockets) stayed reachable for the rest of a long leak test.
 */
export function timersSetFrom(source: string): Map<unknown, string> {
  stopTrackingTimers();
  const pending = new Map<unknown, string>();
  const real = { setTimeout, setInterval, clearTimeout, clearInterval };
  const setBy = () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    const stack = new Error('timer set').stack ?? '';
    Error.stackTraceLimit = limit;
    return stack.includes(source) ? stack : undefined;
  };
  const clear = (timer: Parameters<typeof clearTimeout>[0]) => {
    pending.delete(timer);
    real.clearTimeout(timer);
  };
  Object.assign(globalThis, {
    setTimeout: (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const stack = setBy();
      const timer = real.setTimeout(() => {
        pending.delete(timer);
        callback(...args);
      }, ms);
      if (stack) pending.set(timer, stack);
      return timer;
    },
    setInterval: (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const stack = setBy();
      const timer = real.setInterval(callback, ms, ...args);
      if (stack) pending.set(timer, stack);
      return timer;
    },
    clearTimeout: clear,
    clearInterval: clear,
  });
  stopTracking = () => Object.assign(globalThis, real);
  return pending;
}

/** Puts back the timer functions {@link timersSetFrom} replaced (idempotent; call it in `afterEach` too). */
export function stopTrackingTimers(): void {
  stopTracking?.();
  stopTracking = undefined;
}
