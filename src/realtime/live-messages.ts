import type { RealtimeClient } from './client.js';
import { LiveStore, timeOf, type LiveStoreOptions } from './live-store.js';
import { topics } from './topics.js';
import type { FrameInfo, RealtimeMessage, RealtimeRequest } from './types.js';

/** Options of {@link LiveMessages}. */
export interface LiveMessagesOptions extends LiveStoreOptions {
  /** The server's snapshot cap (`WS_HISTORY_MESSAGES_LIMIT`). Default 300. */
  snapshotLimit?: number;
}

/**
 * The messages of one conversation, kept true from the realtime snapshot and live CREATE frames.
 *
 * - Keyed by `_id`, ordered by `createdAt` then `_id`. Duplicates (re-sent snapshots, the subscribe race) merge.
 * - Live messages embed the whole conversation as `request`; it is stripped from the stored message and the newest
 *   one is kept in {@link LiveMessages.request}, whatever the order frames arrive in (see there).
 * - **Reconcile rule**, applied to every snapshot: a snapshot below the cap (300) holds every message, so known
 *   messages it lacks are removed. A capped snapshot holds the *oldest* 300: known messages it lacks are removed
 *   only if created before its newest one (ties at that millisecond are ordered arbitrarily); later ones are kept, and the REST source, if given, loads the whole
 *   conversation (`GET …/messages` has no limit) and is authoritative for what did not change meanwhile. Without
 *   `rest`, a `gap` event tells that messages after the snapshot may be missing (e.g. sent while disconnected).
 *
 * @example
 * ```ts
 * const live = new LiveMessages(rt, projectId, requestId, { rest });
 * live.on('change', () => render(live.list()));
 * ```
 */
export class LiveMessages extends LiveStore<RealtimeMessage> {
  /** The message as it arrived, `request` included, whose conversation {@link LiveMessages.request} returns. */
  private newest: RealtimeMessage | undefined;

  constructor(
    rt: RealtimeClient,
    readonly projectId: string,
    readonly requestId: string,
    options?: LiveMessagesOptions | null,
  ) {
    super(rt, topics.messages(projectId, requestId), options ?? {});
  }

  /**
   * The newest version of the conversation that live messages embedded, if any arrived (snapshot and REST messages
   * embed none). Newest by the conversation's own `updatedAt`; between versions of the same `updatedAt` (every message
   * sent between two changes of the conversation embeds the same one) by their messages, in {@link list}'s order
   * (`createdAt`, then `_id`); a copy of the same message (same version) replaces it. So frames out of order — an
   * older message's frame after a newer one's, as events relayed between server instances may arrive — never move it
   * back to an older state, and a message sent again with a newer version of the conversation moves it on. A
   * conversation without `updatedAt` is placed by its message alone. It is not an item of the store: a copy of a
   * known message that brings only a newer version emits no `change` (the server does not send such copies).
   *
   * Only live messages move it: it is kept when a snapshot's reconcile (or the REST fill) removes the message that
   * carried it, since that version of the conversation was real and the copy in any older message is older (a
   * fallback would reopen a conversation whose "Chat closed" message was deleted). Nor do snapshots refresh it: a
   * change to the conversation that comes without a message, or while the client was disconnected, shows only with
   * the next live message. For the conversation as it is now, subscribe to `topics.request(projectId, requestId)` or
   * use `LiveRequests`.
   *
   * @example
   * ```ts
   * live.on('change', () => setClosed(live.request?.status === 1000));
   * ```
   */
  get request(): RealtimeRequest | undefined {
    return this.newest?.request;
  }

  protected keyOf(item: unknown): string | undefined {
    const key = (item as Partial<RealtimeMessage> | null)?._id;
    return typeof key === 'string' && key ? key : undefined;
  }

  protected compare(a: RealtimeMessage, b: RealtimeMessage): number {
    // A message without a time sorts last (NaN would make the order inconsistent); ties by id.
    const byTime = orLast(timeOf(a.createdAt)) - orLast(timeOf(b.createdAt));
    if (byTime) return byTime;
    return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
  }

  protected apply(item: RealtimeMessage, _info?: FrameInfo): void {
    const key = this.keyOf(item);
    if (key === undefined) return;
    let message = item;
    if (typeof item.request === 'object' && item.request !== null) {
      const held = this.newest;
      // NaN (a version without `updatedAt`) does not decide: the messages do.
      if (!held || (timeOf(item.request.updatedAt) - timeOf(held.request!.updatedAt) || this.compare(item, held)) >= 0) this.newest = item;
      const { request: _embedded, ...rest } = item;
      message = rest as RealtimeMessage;
    }
    this.upsert(key, message);
  }

  protected reconcile(items: RealtimeMessage[], live: ReadonlySet<string>): boolean {
    const seen = new Set<string>();
    let newest = -Infinity;
    for (const item of items) {
      const key = this.keyOf(item);
      if (key === undefined) continue;
      seen.add(key);
      newest = Math.max(newest, timeOf(item.createdAt) || -Infinity);
      if (!live.has(key)) this.apply(item);
    }
    const capped = items.length >= (this.storeOptions.snapshotLimit ?? 300);
    for (const [key, known] of [...this.items]) {
      if (seen.has(key) || live.has(key)) continue;
      // Strictly before: the server orders equal `createdAt`s arbitrarily (a bulk import gives hundreds), so a message
      // of the newest millisecond may lie just past the cap.
      if (!capped || timeOf(known.createdAt) < newest) this.remove(key);
    }
    return capped;
  }

  protected loadRest(signal: AbortSignal) {
    return this.storeOptions.rest?.messages?.list(this.requestId, {}, { projectId: this.projectId, signal });
  }
}

function orLast(time: number): number {
  return Number.isNaN(time) ? Infinity : time;
}
