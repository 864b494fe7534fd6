import type { RealtimeClient } from './client.js';
import { RealtimeError } from './errors.js';
import { LiveStore, timeOf, type LiveStoreOptions } from './live-store.js';
import { topics } from './topics.js';
import type { FrameInfo, RealtimeRequest } from './types.js';

/** Requests that left, remembered by {@link LiveRequests} to ignore their older versions. */
const LEFT_MAX = 1_000;

/** Options of {@link LiveRequests}. */
export interface LiveRequestsOptions extends LiveStoreOptions {
  /**
   * Which requests belong in the list. Default {@link isOpenRequest}, mirroring the server's snapshot query. It gets
   * the merged version; one that throws ignores that version and reports `handler_error` on the store's `error`.
   */
  filter?: (request: RealtimeRequest) => boolean;
  /** The server's snapshot cap (`WS_HISTORY_REQUESTS_LIMIT`). Default 100. */
  snapshotLimit?: number;
}

/**
 * Whether a request is an open conversation as the server's snapshot defines it: status above 50 and below 1000,
 * not abandoned (150), not preflight, not a draft. Live frames are not filtered by the server (they include closed,
 * abandoned and draft requests), so the store applies this to every item.
 *
 * @example
 * ```ts
 * const mine = new LiveRequests(rt, projectId, {
 *   filter: (r) => isOpenRequest(r) && (r.participantsAgents as string[] | undefined)?.includes(myUserId) === true,
 * });
 * ```
 */
export function isOpenRequest(request: RealtimeRequest): boolean {
  const status = request.status;
  return typeof status === 'number' && status > 50 && status < 1000 && status !== 150 && request.preflight !== true && request.draft !== true;
}

/**
 * The open conversations of a project, kept true from the realtime snapshot and live CREATE/UPDATE frames.
 *
 * - Keyed by `request_id`. CREATE is an upsert; an UPDATE for an unknown id inserts it (preflight conversations start
 *   with an UPDATE); UPDATEs merge field by field, so the `snapshot.lead`/`requester`/`department` an UPDATE omits
 *   are kept; a version older than the known one (`updatedAt`) is ignored, also once the request has left (the last
 *   1,000 that left are remembered; one that a snapshot or a complete REST list dropped left after the version known,
 *   which is then stale too).
 * - Closed (1000), abandoned (150) and otherwise filtered-out requests leave the list.
 * - **Reconcile rule**, applied to every snapshot (the first one and the one after each reconnect): a snapshot below
 *   the cap is complete, so every request it lacks is removed. A capped snapshot (100) holds the most recently
 *   updated requests: a known request it lacks is removed only if it was updated at or after the oldest one in the
 *   snapshot (otherwise it may simply lie beyond the cap); then the REST source, if given, lists every open request
 *   and is authoritative for everything that did not change meanwhile. Without `rest`, a `gap` event says so.
 * - Ordered by `updatedAt`, newest first (like the server), then `request_id`.
 * - Live frames reach every subscriber, whatever it may see; snapshots hold only what the user may see. A member who
 *   does not see every conversation (an agent in a project whose departments have groups, a role other than owner,
 *   admin or agent) gets others' conversations live until the next snapshot removes them; a live CREATE carries
 *   `snapshot.agents: []` whoever may see it, so no `filter` can tell them apart (see docs/realtime.md).
 *
 * @example
 * ```ts
 * const live = new LiveRequests(rt, projectId, { rest });
 * live.on('change', ({ added, updated, removed }) => render(live.list()));
 * await live.ready;
 * ```
 */
export class LiveRequests extends LiveStore<RealtimeRequest> {
  private readonly filter: (request: RealtimeRequest) => boolean;
  /**
   * Epoch ms before which a version of a request that left is stale, for the latest {@link LEFT_MAX}: a version older
   * than the one that closed a request must not bring it back, and several server instances (a queue between them)
   * do not keep one request's events in order.
   */
  private readonly left = new Map<string, number>();

  constructor(
    rt: RealtimeClient,
    readonly projectId: string,
    options?: LiveRequestsOptions | null,
  ) {
    super(rt, topics.requests(projectId), options ?? {});
    this.filter = options?.filter ?? isOpenRequest;
  }

  protected keyOf(item: unknown): string | undefined {
    const key = (item as Partial<RealtimeRequest> | null)?.request_id;
    return typeof key === 'string' && key ? key : undefined;
  }

  protected compare(a: RealtimeRequest, b: RealtimeRequest): number {
    return (timeOf(b.updatedAt) || 0) - (timeOf(a.updatedAt) || 0) || (a.request_id < b.request_id ? -1 : a.request_id > b.request_id ? 1 : 0);
  }

  protected apply(item: RealtimeRequest, _info?: FrameInfo): void {
    const key = this.keyOf(item);
    if (key === undefined) return;
    const known = this.items.get(key);
    // Out-of-order frames and REST results must not roll a request back to an older version.
    if (timeOf(item.updatedAt) < (known ? timeOf(known.updatedAt) : this.left.get(key) ?? NaN)) return;
    const next = this.merged(key, item);
    let keep: boolean;
    try {
      keep = Boolean(this.filter(next));
    } catch (cause) {
      // A filter written for the server's documents may throw on anything else. Thrown from here, it stopped the
      // snapshot at that item: the rest unapplied, `ready` pending for good. The version is ignored instead.
      return this.reportError(new RealtimeError('handler_error', `the filter of ${this.topic} threw`, { topic: this.topic, cause }));
    }
    this.left.delete(key);
    if (keep) return void this.put(key, next);
    this.leave(key, timeOf(next.updatedAt));
    this.remove(key, next);
  }

  /** Remembers that a request left: its versions older than `since` (epoch ms) are stale. */
  private leave(key: string, since: number): void {
    this.left.set(key, since);
    if (this.left.size > LEFT_MAX) this.left.delete(this.left.keys().next().value!);
  }

  protected reconcile(items: RealtimeRequest[], live: ReadonlySet<string>): boolean {
    const seen = new Set<string>();
    let oldest = Infinity;
    for (const item of items) {
      const key = this.keyOf(item);
      if (key === undefined) continue;
      seen.add(key);
      oldest = Math.min(oldest, timeOf(item.updatedAt) || Infinity);
      if (!live.has(key)) this.apply(item);
    }
    const capped = items.length >= (this.storeOptions.snapshotLimit ?? 100);
    for (const [key, known] of [...this.items]) {
      if (seen.has(key) || live.has(key)) continue;
      // Beyond a capped snapshot lie requests updated before its oldest one, or at the same millisecond (ties are
      // ordered arbitrarily): those may still be open.
      if (!capped || !(timeOf(known.updatedAt) <= oldest)) this.drop(key);
    }
    return capped;
  }

  /** @internal */
  protected override drop(key: string): void {
    const known = this.items.get(key);
    super.drop(key);
    // It left after the version known here, so a late copy of that version is stale too: it brought it back.
    if (known) this.leave(key, timeOf(known.updatedAt) + 1);
  }

  protected loadRest(signal: AbortSignal) {
    return this.storeOptions.rest?.requests?.list({ limit: 100 }, { projectId: this.projectId, signal });
  }
}
