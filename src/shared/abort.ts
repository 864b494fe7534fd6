/**
 * A signal that aborts when `parent` aborts or when `timeoutMs` elapses, plus a `dispose()` that removes the
 * listener from `parent` and clears the timer. Callers must always call `dispose()` (use try/finally): a
 * listener left on a long-lived user signal is the leak openai-node shipped.
 */
export function linkedSignal(parent: AbortSignal | undefined, timeoutMs: number | undefined): {
  signal: AbortSignal;
  dispose: () => void;
  timedOut: () => boolean;
} {
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  // A timer cannot hold 2^31 ms or more (about 24.8 days): it would fire after 1 ms, so such a timeout is none.
  if (timeoutMs !== undefined && timeoutMs > 0 && timeoutMs < 2 ** 31) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer); // a no-op when no timer was set
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts; never leaves a timer behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer); // a no-op when no timer was set
      reject(signal?.reason);
    };
    // Capped: a timer of 2^31 ms or more fires after 1 ms (a 30-day Retry-After would be a retry at once).
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, 2 ** 31 - 1));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts, whichever comes first; the listener
 * is removed either way. For work that does not take a signal itself (or may ignore it). `promise` always gets a
 * handler, even when the signal had already fired: a rejection nobody waits for any more would otherwise be unhandled,
 * which kills a Node process.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
