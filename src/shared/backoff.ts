/**
 * Retry timing shared by the REST core and the realtime client, so both follow one policy.
 *
 * Full jitter with the cap applied *before* the random draw (centrifuge-js style): a delay is uniform in
 * `[0, min(maxDelayMs, baseDelayMs * 2^attempt)]`. Capping first keeps clients spread out even after many
 * attempts, where "cap after jitter" makes them all wait exactly `maxDelayMs` and reconnect in lockstep.
 */
export interface BackoffOptions {
  /** Delay scale of the first retry, in ms. */
  baseDelayMs: number;
  /** Upper bound of any computed delay, in ms. */
  maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (0-based).
 *
 * @example
 * ```ts
 * backoffDelay(3, { baseDelayMs: 500, maxDelayMs: 8_000 }); // uniform in [0, 4000]
 * ```
 */
export function backoffDelay(attempt: number, { baseDelayMs, maxDelayMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * A token bucket that caps how many retries a whole client may make, so a storm of failures does not
 * multiply the load on a struggling server. Each retry spends one token; tokens refill at `refillPerSecond`.
 */
export class RetryBudget {
  // Private names: they minify, where TypeScript's `private` properties kept their names in browser bundles.
  #capacity: number;
  #refillPerSecond: number;
  #now: () => number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, refillPerSecond: number, now: () => number = Date.now) {
    this.#capacity = this.#tokens = capacity;
    this.#refillPerSecond = refillPerSecond;
    this.#now = now;
    this.#last = now();
  }

  /** Takes one token if available; returns false when the budget is exhausted. */
  tryAcquire(): boolean {
    const t = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((t - this.#last) / 1000) * this.#refillPerSecond);
    this.#last = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
