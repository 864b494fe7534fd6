import type { RealtimeClient } from '../realtime/client.js';
import { RealtimeError } from '../realtime/errors.js';
import { LiveRequests } from '../realtime/live-requests.js';
import type { LiveRestSource } from '../realtime/live-store.js';
import type { Subscription } from '../realtime/subscriptions.js';
import { topics } from '../realtime/topics.js';
import type { RealtimeMessage, RealtimeRequest } from '../realtime/types.js';
import { age, clock, counted, createStyle, formatCount, padEnd, printable, terminalLine, truncate, visibleLength, type OutputStream, type SecretRegistry, type Style } from './io.js';
import { renderMessage } from './render-message.js';

export interface LiveViewOptions {
  rt: RealtimeClient;
  projectId: string;
  /** Fills what a capped snapshot (100 conversations) hides; a `TiledeskClient` fits. */
  rest?: LiveRestSource;
  out: OutputStream;
  style: Style;
  secrets: SecretRegistry;
  /** Full-screen view, redrawn in place; otherwise one appended line per event. */
  tty: boolean;
  /** Conversations whose messages are followed (the most recently updated ones). Default 50. */
  maxWatched?: number;
  /** Lines of the initial list printed in line mode. Default 20. */
  initialListLimit?: number;
  /** Shown in the header. */
  title?: string;
  now?: () => number;
}

/** Counts for a summary. */
export interface LiveViewStats {
  openAtStart: number;
  newConversations: number;
  closedConversations: number;
  messages: number;
}

interface Watched {
  sub: Subscription | undefined;
  /** Message ids already shown or known (snapshots and live frames overlap). */
  seen: Set<string>;
  /** Show the snapshot's messages: the conversation appeared after the view started. */
  printSnapshot: boolean;
}

interface MessageLine {
  at: number;
  text: string;
}

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const SEEN_PER_CONVERSATION = 1000;

// Everything the server sends (ids, names, texts, statuses, error messages) is untrusted: a visitor picks their name
// and writes the messages. It is passed through `printable` where it is read, and every line through `terminalLine`
// when it is written, so none of it can move the cursor, clear the screen, retitle the window or write the clipboard.

function shortId(requestId: string): string {
  return `#${printable(requestId.slice(-6))}`;
}

function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.fullname === 'string' && v.fullname.trim()) return v.fullname.trim();
  const first = typeof v.firstname === 'string' ? v.firstname : '';
  const last = typeof v.lastname === 'string' ? v.lastname : '';
  return `${first} ${last}`.trim() || undefined;
}

/**
 * Who opened the conversation: the name the widget (or an import) put in `attributes.userFullname`, else the lead,
 * the snapshot's lead or requester, whichever is known. Imported conversations all share the importing user's
 * lead, so the attribute comes first.
 */
export function requesterName(request: RealtimeRequest): string {
  const snapshot = (request.snapshot ?? {}) as Record<string, unknown>;
  const requester = snapshot.requester as { id_user?: unknown; uuid_user?: unknown } | undefined;
  const declared = (request.attributes as { userFullname?: unknown } | undefined)?.userFullname;
  return printable(
    (typeof declared === 'string' && declared.trim() ? declared.trim() : undefined) ??
      nameOf(request.lead) ??
      nameOf(snapshot.lead) ??
      nameOf(requester?.id_user) ??
      nameOf(requester) ??
      'visitor',
  );
}

function statusName(status: number): string {
  if (status === 100) return 'unassigned';
  if (status === 200) return 'assigned';
  if (status === 300) return 'served';
  if (status === 1000) return 'closed';
  if (status === 150) return 'abandoned';
  return printable(String(status));
}

function timeOf(value: unknown): number {
  const t = typeof value === 'string' || typeof value === 'number' ? new Date(value).getTime() : NaN;
  return Number.isFinite(t) ? t : 0;
}

/**
 * A live terminal view of a project's open conversations (through `LiveRequests`) and of the new messages of the
 * most recently updated ones (one messages subscription each). Shared by `tail` and `demo`. Closing it releases
 * its subscriptions, timers and the alternate screen; the realtime client itself belongs to the caller.
 */
export class LiveView {
  readonly stats: LiveViewStats = { openAtStart: 0, newConversations: 0, closedConversations: 0, messages: 0 };
  private readonly requests: LiveRequests;
  private readonly watched = new Map<string, Watched>();
  private readonly lastMessage = new Map<string, string>();
  private readonly recent: MessageLine[] = [];
  private readonly disposers: (() => void)[] = [];
  private initialIds: Set<string> | undefined;
  private connection = 'connecting';
  private redrawTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private screenEntered = false;
  private closed = false;
  private reportFailure!: (error: Error) => void;
  /**
   * Resolves (never rejects) with the reason when the realtime connection fails for good after `start` (the
   * client stops retrying: a refused token); pending otherwise. The view cannot show anything new after that.
   */
  readonly failed: Promise<Error> = new Promise((resolve) => {
    this.reportFailure = resolve;
  });

  constructor(private readonly options: LiveViewOptions) {
    this.requests = new LiveRequests(options.rt, options.projectId, options.rest ? { rest: options.rest } : {});
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Connects and shows the current open conversations. Rejects when the realtime connection fails for good or the
   * snapshot does not arrive within `timeoutMs`, with an error that says what to check.
   */
  async start(timeoutMs = 20_000): Promise<void> {
    const { rt, style } = this.options;
    this.disposers.push(
      rt.on('state', ({ state, attempt, delayMs, error }) => {
        this.connection = state === 'reconnecting' ? `reconnecting (attempt ${attempt}${delayMs !== undefined ? `, in ${Math.round(delayMs)}ms` : ''})` : state;
        if (state === 'failed' && this.initialIds !== undefined) this.reportFailure(this.failure(error));
        if (this.initialIds === undefined || this.options.tty) return this.scheduleRedraw();
        if (state === 'reconnecting') this.line(style.yellow(`! connection lost${error ? ` (${this.safe(error.message)})` : ''}; reconnecting`));
        if (state === 'open' && attempt > 0) this.line(style.green('● reconnected'));
      }),
    );
    this.disposers.push(this.requests.on('change', (change) => this.onChange(change)));
    this.disposers.push(this.requests.on('error', (error) => this.note(style.yellow(`! ${this.safe(error.message)}`))));

    await this.waitReady(timeoutMs);
    // Closed meanwhile (Ctrl-C as the snapshot came in): entering the screen now would outlive the view, timer and all.
    if (this.closed) return;
    this.initialIds = new Set(this.requests.list().map((r) => r.request_id));
    this.stats.openAtStart = this.initialIds.size;
    for (const request of this.requests.list().slice(0, this.maxWatched())) this.watch(request.request_id, false);

    if (this.options.tty) {
      this.options.out.write(ENTER_SCREEN);
      this.screenEntered = true;
      this.tickTimer = setInterval(() => this.redraw(), 1000);
      this.redraw();
    } else {
      this.printInitialList();
    }
  }

  private maxWatched(): number {
    return this.options.maxWatched ?? 50;
  }

  private waitReady(timeoutMs: number): Promise<void> {
    const { rt } = this.options;
    return new Promise<void>((resolve, reject) => {
      // Why the last attempt failed: a server that refuses every connection is not one that never answers (a guest token).
      let lastError: Error | undefined;
      const timer = setTimeout(
        () => finish(new Error(
          lastError
            ? `Cannot connect to the realtime server within ${Math.round(timeoutMs / 1000)}s: ${this.safe(lastError.message)}. ` +
                'Check TILEDESK_WS_URL / --ws-url (or TILEDESK_URL / --url) and that the server is running.'
            : `No answer from the realtime server within ${Math.round(timeoutMs / 1000)}s. Check TILEDESK_WS_URL / --ws-url; ` +
                'an anonymous (guest) token never gets one: use an owner, admin or agent account.',
        )),
        timeoutMs,
      );
      const offState = rt.on('state', ({ state, error }) => {
        if (state === 'reconnecting') lastError = error;
        if (state === 'failed') finish(this.failure(error));
      });
      const finish = (error?: Error) => {
        clearTimeout(timer);
        offState();
        if (error) reject(error);
        else resolve();
      };
      this.requests.ready.then(() => finish(), (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    });
  }

  private failure(error: RealtimeError | undefined): Error {
    return new Error(`Realtime connection failed: ${this.safe(error?.message ?? 'unknown error')}${authHint(error)}`);
  }

  private printInitialList(): void {
    const { style } = this.options;
    const list = this.requests.list();
    this.line(`${style.bold('watching')} project ${this.options.projectId}: ${formatCount(list.length)} open conversation${list.length === 1 ? '' : 's'}`);
    const limit = this.options.initialListLimit ?? 20;
    const now = this.now();
    for (const request of list.slice(0, limit)) {
      this.line(
        `  ${style.cyan(shortId(request.request_id))} ${padEnd(age(timeOf(request.updatedAt ?? request.createdAt), now), 4)} ` +
          `${padEnd(requesterName(request), 20)} ${style.dim(truncate(printable(JSON.stringify(request.first_text ?? '')), 60))}`,
        false,
      );
    }
    if (list.length > limit) this.line(style.dim(`  … and ${formatCount(list.length - limit)} more`), false);
  }

  private onChange({ added, updated, removed }: { added: RealtimeRequest[]; updated: RealtimeRequest[]; removed: RealtimeRequest[] }): void {
    if (this.initialIds === undefined || this.closed) return;
    const { style } = this.options;
    for (const request of added) {
      if (this.initialIds.has(request.request_id)) continue;
      this.stats.newConversations += 1;
      this.note(
        `${style.green('+ new conversation')} ${printable(request.request_id)} from ${style.bold(requesterName(request))}: ` +
          `${printable(JSON.stringify(request.first_text ?? ''))}`,
      );
      this.watch(request.request_id, true);
    }
    for (const request of updated) {
      if (!this.watched.has(request.request_id)) this.watch(request.request_id, false);
    }
    for (const request of removed) {
      this.initialIds.delete(request.request_id);
      const status = typeof request.status === 'number' ? request.status : undefined;
      if (status === 1000) this.stats.closedConversations += 1;
      const what = status === 1000 ? 'closed' : status === 150 ? 'abandoned' : 'left the list';
      this.note(`${style.red(`- ${what}`)} ${printable(request.request_id)} (${requesterName(request)})`);
      this.unwatch(request.request_id);
    }
    this.scheduleRedraw();
  }

  /** Follows a conversation's messages. Snapshot messages are printed only for conversations that appeared live. */
  private watch(requestId: string, printSnapshot: boolean): void {
    if (this.watched.has(requestId) || this.closed) return;
    if (this.watched.size >= this.maxWatched()) {
      // Make room by dropping the least recently updated conversation that is still followed.
      const order = this.requests.list().map((r) => r.request_id).filter((id) => this.watched.has(id));
      const victim = order.at(-1);
      if (victim === undefined || victim === requestId) return;
      this.unwatch(victim);
    }
    const seen = new Set<string>();
    const entry: Watched = { sub: undefined, seen, printSnapshot };
    this.watched.set(requestId, entry);
    entry.sub = this.options.rt.subscribe(topics.messages(this.options.projectId, requestId), {
      snapshot: (messages) => {
        const fresh = messages.filter((m) => !seen.has(m._id));
        for (const m of fresh) this.remember(seen, m._id);
        const last = messages.at(-1);
        if (last) this.lastMessage.set(requestId, this.summary(last));
        if (entry.printSnapshot) {
          entry.printSnapshot = false;
          for (const m of fresh.slice(-10)) this.printMessage(requestId, m);
        }
        this.scheduleRedraw();
      },
      create: (message) => {
        if (seen.has(message._id)) return;
        this.remember(seen, message._id);
        this.lastMessage.set(requestId, this.summary(message));
        this.printMessage(requestId, message);
      },
    });
    // A refused subscription (not visible to this user) is not worth a failure: the row stays, without messages.
    entry.sub.ready.catch(() => undefined);
  }

  private remember(seen: Set<string>, id: string): void {
    if (seen.size >= SEEN_PER_CONVERSATION) seen.delete(seen.values().next().value as string);
    seen.add(id);
  }

  private unwatch(requestId: string): void {
    const entry = this.watched.get(requestId);
    if (!entry) return;
    entry.sub?.unsubscribe();
    this.watched.delete(requestId);
    this.lastMessage.delete(requestId);
  }

  private summary(message: RealtimeMessage): string {
    const [first = ''] = renderMessage(message, PLAIN);
    return first;
  }

  private printMessage(requestId: string, message: RealtimeMessage): void {
    const { style } = this.options;
    this.stats.messages += 1;
    // System lines ("Chat closed") carry the server's placeholder name; they read better without it.
    const sender = message.sender === 'system' ? '' : printable(message.senderFullname?.trim() || message.sender || 'unknown');
    const [first = '', ...rest] = renderMessage(message, style);
    const prefix = `  ${style.cyan(shortId(requestId))} ${sender ? `${style.bold(sender)}: ` : ''}`;
    this.note(`${prefix}${first}`);
    // Terminal columns, not string length: a CJK or emoji name is wider than its length.
    const indent = ' '.repeat(visibleLength(prefix));
    for (const more of rest) this.note(`${indent}${more}`);
  }

  /** A line of your own in the activity pane (or the output, in line mode). */
  notice(text: string): void {
    this.note(text);
  }

  /** An event: appended as a line, or added to the recent pane of the full-screen view. */
  private note(text: string): void {
    if (this.closed) return;
    if (this.options.tty) {
      this.recent.push({ at: this.now(), text });
      if (this.recent.length > 200) this.recent.splice(0, this.recent.length - 200);
      this.scheduleRedraw();
    } else {
      this.line(text);
    }
  }

  private line(text: string, stamp = true): void {
    const prefix = stamp ? `[${clock(new Date(this.now()))}] ` : '           ';
    this.options.out.write(`${prefix}${terminalLine(text)}\n`);
  }

  private safe(text: string): string {
    return printable(this.options.secrets.safeText(text));
  }

  private scheduleRedraw(): void {
    if (!this.options.tty || !this.screenEntered || this.redrawTimer !== undefined || this.closed) return;
    this.redrawTimer = setTimeout(() => {
      this.redrawTimer = undefined;
      this.redraw();
    }, 50);
  }

  private redraw(): void {
    if (!this.screenEntered || this.closed) return;
    const { out, style } = this.options;
    // The layout needs 40×12 (0 is an unknown size). A smaller terminal (a split pane) gets the frame cut to its size:
    // a line that wraps, or a frame taller than the screen, scrolls it and the next frame is drawn over a shifted one.
    const screenWidth = out.columns || 100;
    const screenHeight = out.rows || 30;
    const width = Math.max(40, screenWidth);
    const height = Math.max(12, screenHeight);
    const now = this.now();
    const list = this.requests.list();
    const lines: string[] = [];
    const state = this.connection === 'open' ? style.green('● live') : style.yellow(`○ ${this.connection}`);
    lines.push(`${style.bold(this.options.title ?? 'Tiledesk')} ${style.dim('·')} project ${this.options.projectId} ${style.dim('·')} ${state}   ${style.dim(clock(new Date(now)))}`);
    lines.push(
      `${style.bold('Open conversations')} (${formatCount(list.length)})  ` +
        style.dim(`${formatCount(this.stats.newConversations)} new · ${formatCount(this.stats.closedConversations)} closed · ${counted(this.stats.messages, 'message')} since start`),
    );
    const idWidth = 8;
    const whenWidth = 5;
    const nameWidth = Math.min(22, Math.max(12, Math.floor(width * 0.2)));
    const statusWidth = 11;
    const textWidth = Math.max(10, width - idWidth - whenWidth - nameWidth - statusWidth - 6);
    lines.push(style.dim(`  ${padEnd('ID', idWidth)}${padEnd('WHEN', whenWidth)}${padEnd('REQUESTER', nameWidth)}${padEnd('STATUS', statusWidth)}LAST MESSAGE`));
    const available = height - 8;
    const rows = Math.min(list.length, Math.max(3, Math.floor(available / 2)));
    for (const request of list.slice(0, rows)) {
      const fresh = !this.initialIds?.has(request.request_id);
      const id = padEnd(shortId(request.request_id), idWidth);
      lines.push(
        `${fresh ? style.green('▸ ') : '  '}${fresh ? style.green(id) : style.cyan(id)}${padEnd(age(timeOf(request.updatedAt ?? request.createdAt), now), whenWidth)}` +
          `${padEnd(requesterName(request), nameWidth)}${padEnd(statusName(request.status), statusWidth)}` +
          truncate(this.lastMessage.get(request.request_id) ?? printable(request.first_text ?? ''), textWidth),
      );
    }
    if (list.length > rows) lines.push(style.dim(`  … ${formatCount(list.length - rows)} more`));
    lines.push(style.dim('─'.repeat(width)));
    lines.push(style.bold('Activity'));
    const room = Math.max(1, height - lines.length - 1);
    for (const entry of this.recent.slice(-room)) lines.push(truncate(`${style.dim(clock(new Date(entry.at)))} ${entry.text}`, width));
    while (lines.length < height - 1) lines.push('');
    lines.push(style.dim('Ctrl-C to quit'));
    const shown = lines.length > screenHeight ? [...lines.slice(0, screenHeight - 1), lines[lines.length - 1]!] : lines;
    out.write(`\x1b[H${shown.map((l) => `${truncate(terminalLine(l), screenWidth)}\x1b[K`).join('\n')}\x1b[J`);
  }

  /** Stops following everything and restores the terminal. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.redrawTimer);
    clearInterval(this.tickTimer);
    for (const dispose of this.disposers.splice(0)) dispose();
    for (const id of [...this.watched.keys()]) this.unwatch(id);
    this.requests.close();
    if (this.screenEntered) {
      this.options.out.write(LEAVE_SCREEN);
      this.screenEntered = false;
    }
  }
}

const PLAIN = createStyle(false);

function authHint(error: RealtimeError | undefined): string {
  if (error instanceof RealtimeError && (error.code === 'auth_failed' || error.code === 'auth_suspected')) {
    return ' (the token was refused: check TILEDESK_TOKEN, or TILEDESK_EMAIL/TILEDESK_PASSWORD)';
  }
  if (error instanceof RealtimeError && error.code === 'handshake_rejected') {
    return ' (wrong WebSocket path? check TILEDESK_WS_URL / --ws-url)';
  }
  return '';
}
