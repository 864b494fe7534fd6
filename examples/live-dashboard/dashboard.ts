// The dashboard's data: sign-in, the live list of open conversations, the selected conversation's messages, replying
// and closing. No DOM here (page.ts draws it), so the same code runs in Node, which is how it is tested.
import { TiledeskClient } from 'tiledesk-sdk';
import { classify, type ClassifiedMessage } from 'tiledesk-sdk/messages';
import {
  LiveMessages,
  LiveRequests,
  RealtimeClient,
  type ConnectionState,
  type RealtimeMessage,
  type RealtimeRequest,
} from 'tiledesk-sdk/realtime';

export interface DashboardConfig {
  /** REST API root, e.g. http://127.0.0.1:3000 or https://api.tiledesk.com/v3 */
  apiUrl: string;
  /** Realtime URL, e.g. ws://127.0.0.1:3000/ or wss://eu.rtmv3.tiledesk.com/api/ */
  wsUrl: string;
  projectId: string;
}

export interface ConversationRow {
  requestId: string;
  /** Last 6 characters of the request id, for display. */
  shortId: string;
  requester: string;
  status: 'unassigned' | 'assigned' | 'served' | 'other';
  firstText: string;
  /** ISO time of the last update. */
  updatedAt: string;
  /** Appeared after the page connected. */
  isNew: boolean;
}

export interface ThreadItem {
  id: string;
  senderName: string;
  /** Sent by the signed-in user. */
  mine: boolean;
  /** A system line ("Chat closed"). */
  system: boolean;
  createdAt: string;
  /** What the widget would draw (text with buttons, image, gallery, split message…). */
  view: ClassifiedMessage;
}

export interface DashboardState {
  phase: 'signed-out' | 'connecting' | 'live' | 'failed';
  connection: ConnectionState | 'idle';
  user: { id: string; email: string; name: string } | undefined;
  rows: ConversationRow[];
  selected: string | undefined;
  /** The selected conversation's messages, oldest first. */
  thread: ThreadItem[];
  /** The selected conversation was closed while selected. */
  selectedClosed: boolean;
  error: string | undefined;
}

type Listener = (state: DashboardState) => void;

function statusOf(status: number): ConversationRow['status'] {
  return status === 100 ? 'unassigned' : status === 200 ? 'assigned' : status === 300 ? 'served' : 'other';
}

function requesterOf(request: RealtimeRequest): string {
  const declared = (request.attributes as { userFullname?: unknown } | undefined)?.userFullname;
  if (typeof declared === 'string' && declared.trim()) return declared.trim();
  const lead = request.lead ?? (request.snapshot as { lead?: unknown } | undefined)?.lead;
  if (typeof lead === 'object' && lead !== null && typeof (lead as { fullname?: unknown }).fullname === 'string') {
    return (lead as { fullname: string }).fullname;
  }
  return 'Visitor';
}

/**
 * A small agent dashboard over the SDK: `TiledeskClient` for sign-in and actions, one `RealtimeClient` for everything
 * live, `LiveRequests` for the open conversations and `LiveMessages` for the selected one. Every change is published
 * as a new immutable state to `subscribe` listeners.
 */
export class Dashboard {
  private current: DashboardState = {
    phase: 'signed-out',
    connection: 'idle',
    user: undefined,
    rows: [],
    selected: undefined,
    thread: [],
    selectedClosed: false,
    error: undefined,
  };
  private readonly listeners = new Set<Listener>();
  private rest: TiledeskClient | undefined;
  private rt: RealtimeClient | undefined;
  private requests: LiveRequests | undefined;
  private messages: LiveMessages | undefined;
  private initial = new Set<string>();

  constructor(readonly config: DashboardConfig) {}

  get state(): DashboardState {
    return this.current;
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(patch: Partial<DashboardState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener(this.current);
  }

  /** Signs in (owner, admin or agent: the realtime API refuses visitors) and goes live. */
  async signIn(email: string, password: string): Promise<void> {
    await this.signOut();
    this.update({ phase: 'connecting', error: undefined });
    try {
      const { token, user } = await TiledeskClient.signin({ baseUrl: this.config.apiUrl, email, password });
      this.rest = new TiledeskClient({ baseUrl: this.config.apiUrl, projectId: this.config.projectId, auth: { token } });
      this.rt = new RealtimeClient({ url: this.config.wsUrl, token });
      this.rt.on('state', ({ state, error }) => {
        this.update({ connection: state, ...(state === 'failed' ? { phase: 'failed' as const, error: error?.message } : {}) });
      });
      const name = `${user.firstname ?? ''} ${user.lastname ?? ''}`.trim() || user.email || email;
      this.update({ user: { id: user._id, email: user.email ?? email, name } });

      const requests = new LiveRequests(this.rt, this.config.projectId, { rest: this.rest });
      this.requests = requests;
      requests.on('change', ({ removed }) => {
        if (this.current.selected && removed.some((r) => r.request_id === this.current.selected)) this.update({ selectedClosed: true });
        this.update({ rows: this.rows() });
      });
      await requests.ready;
      this.initial = new Set(requests.list().map((r) => r.request_id));
      this.update({ phase: 'live', rows: this.rows() });
    } catch (error) {
      await this.signOut();
      this.update({ phase: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  }

  private rows(): ConversationRow[] {
    return (this.requests?.list() ?? []).map((r) => ({
      requestId: r.request_id,
      shortId: r.request_id.slice(-6),
      requester: requesterOf(r),
      status: statusOf(r.status),
      firstText: r.first_text ?? '',
      updatedAt: r.updatedAt ?? r.createdAt,
      isNew: !this.initial.has(r.request_id),
    }));
  }

  /** Shows one conversation's messages, live (`undefined`: none). */
  select(requestId: string | undefined): void {
    this.messages?.close();
    this.messages = undefined;
    this.update({ selected: requestId, thread: [], selectedClosed: false });
    if (!requestId || !this.rt || !this.rest) return;
    const messages = new LiveMessages(this.rt, this.config.projectId, requestId, { rest: this.rest });
    this.messages = messages;
    messages.on('change', () => {
      if (this.messages === messages) this.update({ thread: this.thread(messages.list()) });
    });
    messages.on('error', (error) => this.update({ error: error.message }));
    messages.ready.catch((error: unknown) => {
      if (this.messages === messages) this.update({ error: `Messages of ${requestId} are not visible to you (${error instanceof Error ? error.message : error})` });
    });
  }

  private thread(list: readonly RealtimeMessage[]): ThreadItem[] {
    const me = this.current.user?.id;
    return list.map((m) => ({
      id: m._id,
      senderName: m.sender === 'system' ? '' : m.senderFullname?.trim() || m.sender,
      mine: m.sender === me,
      system: m.sender === 'system',
      createdAt: m.createdAt,
      view: classify(m),
    }));
  }

  /** Sends a text to the selected conversation. */
  async reply(text: string): Promise<void> {
    const { selected } = this.current;
    if (!selected || !this.rest) throw new Error('Select a conversation first');
    if (!text.trim()) return;
    await this.rest.messages.send(selected, { text, senderFullname: this.current.user?.name });
  }

  /** Closes a conversation (the selected one by default): it leaves the list. */
  async closeConversation(requestId = this.current.selected): Promise<void> {
    if (!requestId || !this.rest) return;
    await this.rest.requests.close(requestId);
  }

  /** Closes the connection and everything live. */
  async signOut(): Promise<void> {
    this.messages?.close();
    this.requests?.close();
    await this.rt?.close();
    await this.rest?.close();
    this.messages = this.requests = this.rt = this.rest = undefined;
    if (this.current.phase !== 'signed-out') {
      this.update({ phase: 'signed-out', connection: 'idle', user: undefined, rows: [], selected: undefined, thread: [], selectedClosed: false });
    }
  }
}
