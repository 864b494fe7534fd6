import { optionError } from './errors.js';

/**
 * A minimal typed event emitter. The realtime entry has a 6 kB (gzip) budget in browser bundles and eventemitter3
 * alone costs about 1 kB of it; this is all the client and the live stores need.
 * Listeners run in registration order; one added during an emit runs from the next emit on (a `connect()` called
 * from a `failed` listener must not see that `failed`), one removed, by `off` or `removeAllListeners`, does not
 * run (after a `close()` from a `connecting` listener, no later one may hear `connecting`). A listener that throws
 * does not stop the others: its error is rethrown asynchronously, surfacing as an uncaught error instead of breaking
 * the connection lifecycle or the dispatch loop.
 */
export class Emitter<Events extends { [E in keyof Events]: (arg: any) => void }> {
  #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    // Refused here, not when the event fires: there it would be an uncaught TypeError far from this call.
    if (typeof listener != 'function') throw optionError('listener', 'a function');
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /**
   * Calls the listeners of `event` with `arg`. With `current`, the listeners still due once it returns false do not
   * run: the event has gone stale.
   */
  emit<E extends keyof Events>(event: E, arg: Parameters<Events[E]>[0], current = () => true): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      // Looked up again for each listener: removeAllListeners() during this emit drops the set this loop started from.
      if (current() && this.#listeners.get(event)?.has(listener)) {
        try {
          listener(arg);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
