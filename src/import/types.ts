import type { BackoffOptions } from '../shared/backoff.js';
import type { CreateRequestParams } from '../rest/resources/requests.js';

/** A point in time: a `Date`, milliseconds since the epoch, or an ISO-8601 string. */
export type ImportTime = Date | number | string;

/** The fields of a source message that the import reads (see {@link ImportSourceMessage}). */
export interface ImportSourceMessageFields {
  /**
   * The message's id in the system you export from. When present it becomes the message's import key (so it must be
   * unique within its conversation); otherwise the key is `#<position>` in the conversation.
   */
  id?: string | number | undefined;
  /** Required (non-empty) for `type` `"text"`, the default. */
  text?: string | undefined;
  /** Who sent it: a user id, a visitor's uuid, `"bot_…"`, any string. Default: the importing user. */
  sender?: string | undefined;
  /** Shown as the sender's name. The server uses the **importing user's** name when absent, so set it. */
  senderFullname?: string | undefined;
  type?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  attributes?: (Record<string, unknown> & { clienttimestamp?: ImportTime | undefined }) | undefined;
  language?: string | undefined;
  channel?: { name: string } | undefined;
  /** A `MessageStatus` code; the server stores 0 (SENDING) when absent. */
  status?: number | undefined;
  /** When it was originally sent; stored as `attributes.clienttimestamp` (ms since the epoch). */
  timestamp?: ImportTime | undefined;
}

/**
 * One message of a source conversation: its known fields, and any other field, sent as it is. The first member of the
 * union lets a value typed with only the known fields in, such as a message made by the builders of
 * `tiledesk-sdk/messages`: TypeScript refuses an interface without an index signature where one is declared.
 */
export type ImportSourceMessage = ImportSourceMessageFields | (ImportSourceMessageFields & { [extra: string]: unknown });

/** The conversation itself: what `requests.create` takes, with `first_text` optional. */
export interface ImportSourceRequest extends Partial<CreateRequestParams> {
  /**
   * Your own id for the conversation. If you give no `request_id`, one is derived from `id` (or, without `id`, from
   * the conversation's position and first message), so that running the import again finds the same conversation.
   */
  id?: string | number;
  /** Defaults to the first message's text. */
  first_text?: string;
}

/** One conversation of the source. */
export interface ImportConversation {
  request?: ImportSourceRequest;
  /** In conversation order. */
  messages: readonly ImportSourceMessage[];
}

/** Anything that yields conversations: an array, a generator, an async generator, `readConversations(path)`. */
export type ImportSource = Iterable<ImportConversation> | AsyncIterable<ImportConversation>;

/**
 * What a checkpoint stores. It stays small however large the import: a watermark (every conversation before it is
 * settled) plus the settled positions of the bounded window just after it.
 */
export interface ImportCheckpointState {
  version: 1;
  /** The project and namespace it belongs to; a checkpoint of another import is refused. */
  projectId: string;
  namespace: string;
  /** Every conversation at a position below this one (0-based, source order) is settled: imported or failed. */
  watermark: number;
  /** Settled positions at or above the watermark (at most `maxWindow` of them). */
  settled: number[];
  /**
   * The identity of the source's first conversation: a checkpoint written for another source (whose positions
   * are other conversations) is refused. An identity is the conversation's `request_id`, or for a conversation that
   * is invalid (it has none) `invalid:` and a hash of its JSON. Absent until the first conversation has been read
   * (and, from SDK versions before invalid ones had an identity, when it was invalid).
   */
  source?: string;
  /**
   * The identity (as for `source`) of the conversation at `watermark - 1`, the last one counted as done: a source
   * with conversations added or removed before it (a new export of the same system) is refused, rather than other
   * conversations being skipped as done. Absent from checkpoints written by SDK versions before it (and, before
   * invalid conversations had an identity, when that one was invalid).
   */
  belowWatermark?: string;
  /**
   * The identity (as for `source`) of the conversation at each position of `settled`, in the same order: a source
   * with conversations added or removed between the watermark and a position settled out of order is refused
   * before anything is sent, rather than the conversation now at that position being skipped as done. `null` for a
   * position whose conversation the run did not see (settled in a checkpoint written before this field existed).
   * Absent when `settled` is empty, and from checkpoints written by SDK versions before it.
   */
  settledIds?: (string | null)[];
  /**
   * Every conversation the run may have started (and left in flight) is at a position below this one: a run never
   * starts one at or past it before a later save has raised it. A resumed run looks each conversation between
   * `watermark` and this position up (waiting for saves still landing) before creating it, whatever its own
   * `maxWindow`. Absent from checkpoints written by SDK versions before it: the resumed run's `maxWindow` is used.
   */
  inFlightBelow?: number;
  /** Totals of all runs so far. */
  totals: ImportTotals;
  /** True once the whole source was read and every conversation settled. */
  finished: boolean;
}

/** Cumulative counts kept in a checkpoint. */
export interface ImportTotals {
  conversations: number;
  conversationsFailed: number;
  messagesImported: number;
  messagesSkipped: number;
  messagesFailed: number;
}

/**
 * Where the import keeps its progress so it can resume after a crash: `fileCheckpoint(path)` from
 * `tiledesk-sdk/node`, or your own (a database row, `localStorage`). `load` returns `undefined` when there is none.
 */
export interface ImportCheckpoint {
  /**
   * Optional: what the advice of an `ImportCheckpointError` calls this checkpoint, as the thing to delete to start
   * over (`fileCheckpoint`: its path; yours: e.g. "the row import:42"). Default: "the checkpoint".
   */
  readonly name?: string;
  load(): Promise<ImportCheckpointState | undefined> | ImportCheckpointState | undefined;
  save(state: ImportCheckpointState): Promise<void> | void;
  /**
   * Optional: claims the checkpoint for one run, before `load`, and returns what gives it back (called when the run
   * ends, however it ends). Two runs on one checkpoint would both send the messages neither has recorded, and
   * create them twice: refuse the second claim, throwing `ImportCheckpointError` (`checkpoint_locked`).
   * `fileCheckpoint` implements it with a lock file.
   */
  lock?(): Promise<() => Promise<void> | void> | (() => Promise<void> | void);
}

/** A progress report, given to `onProgress`. */
export interface ImportProgressEvent {
  conversations: {
    /** Settled (imported, already present, skipped thanks to the checkpoint, or failed), this run and earlier ones. */
    done: number;
    failed: number;
    inFlight: number;
    /** When known (an array source) or given (`total`). */
    total: number | undefined;
  };
  messages: {
    /**
     * Messages of settled conversations plus those saved so far in conversations in flight (in the last event of a
     * stopped run, those its conversations left in flight had saved: the report's `messages.imported` counts them).
     */
    done: number;
    imported: number;
    skipped: number;
    failed: number;
    total: number | undefined;
    /**
     * Messages this run saved: sent and acknowledged, in conversations settled or still in flight (`imported` adds
     * those of earlier runs, from the checkpoint). 0 on a run that found everything already there.
     */
    importedThisRun: number;
  };
  /** Calls sent again after a failure, this run. */
  retries: number;
  elapsedMs: number;
  /**
   * Messages handled per second this run: imported, skipped as already present, and failed. The pace through the
   * source (the ETA is based on it), not of what is sent: a run that finds everything already there goes fast here
   * while importing nothing. For the rate of messages actually imported, see `importedPerSecond`.
   */
  messagesPerSecond: number;
  /** Messages imported (sent and saved) per second this run: `messages.importedThisRun` over `elapsedMs`. */
  importedPerSecond: number;
  /** Estimated time left, when a total is known and the rate is measurable. */
  etaMs: number | undefined;
  /** True for the last event of the run. */
  final: boolean;
}

/** One conversation settled, given to `onConversation`. */
export interface ImportConversationEvent {
  /** Position in the source (0-based). */
  position: number;
  /** Undefined only when the conversation was rejected before an id could be given (not an object). */
  requestId: string | undefined;
  outcome: 'created' | 'continued' | 'alreadyComplete' | 'failed';
  /** Messages saved by this run / found already there / not saved. */
  imported: number;
  skipped: number;
  failed: number;
  /** Why it failed, when it did. */
  failure?: ImportFailure;
}

/** Why one conversation failed. Plain data, safe to log or serialise (never a token). */
export interface ImportFailure {
  /** Position of the conversation in the source (0-based). */
  position: number;
  requestId: string | undefined;
  /** The error's stable code (`invalid_argument`, `not_found`, `internal_server_error`, `timeout`…). */
  code: string;
  message: string;
  status?: number;
  /** For a bad message: its index in the conversation and the field at fault. */
  index?: number;
  field?: string;
  /**
   * Messages of this conversation on the server (saved by this run or found there) when it failed. When the last
   * attempt at a chunk failed with an unknown outcome (a 5xx, a reset, a timeout), the conversation is read back
   * once more (until two reads agree) before the failure is reported, so this counts what that last attempt saved
   * too. It is a lower bound only when that read failed as well: see `messagesUncertain`. Saves the server still
   * makes after the read-back settled are not counted.
   */
  messagesImported: number;
  /**
   * Messages of this conversation not known to be on the server: the total less `messagesImported` (they count in
   * `report.messages.failed`). An upper bound when `messagesUncertain` is set.
   */
  messagesMissing: number;
  /**
   * Present (and above 0) only when the last attempt's outcome was unknown and the conversation could not be read
   * back afterwards: how many of `messagesMissing` were in that attempt, so may be saved after all. Running the
   * import again finds them by import key (they are skipped, never sent twice).
   */
  messagesUncertain?: number;
}

/**
 * What the import did. Detail lists are bounded (`maxReportDetails`). Every count is exact, but for messages whose
 * save nobody can know (`messages.uncertain`): this run saved between `messages.imported` and `messages.imported +
 * messages.uncertain` messages. After a stop (`ImportAbortedError`, `ImportFailedError`) the report is of what was
 * done before it: the conversation counts are of settled conversations (those read but not settled, left in flight
 * or not yet started, count in `total` only, and a resumed run finishes them); `messages.imported` includes what
 * those left in flight saved (confirmed), and `skipped` what they found already there, `failed` does not; `resumed` counts every conversation the
 * checkpoint has as done, even those the run stopped before reading. The counts of settled conversations and of
 * messages done add up to the last progress event's `conversations.done` and `messages.done`.
 */
export interface ImportReport {
  conversations: {
    /**
     * Conversations read from the source this run; for a run stopped before it read every conversation the
     * checkpoint counts as done, those too (in `resumed`), as the progress events count them.
     */
    total: number;
    /** Created by this run. */
    created: number;
    /** Found existing (by `request_id`) with messages missing, which were sent. */
    continued: number;
    /** Found existing with every message already there: nothing sent. */
    alreadyComplete: number;
    /**
     * Skipped without any call: the checkpoint says an earlier run settled them. All of them, read or not, when the
     * run stopped before reading that far.
     */
    resumed: number;
    failed: number;
  };
  messages: {
    /** Messages in the conversations counted in `conversations.total`. */
    total: number;
    /** Saved by this run (each exactly once). */
    imported: number;
    /** Already on the server (found by import key), so not sent again. */
    skipped: number;
    /**
     * In conversations the checkpoint skipped (for those a stopped run did not read, as the checkpoint's totals count
     * them).
     */
    resumed: number;
    /** Not saved: in failed conversations. */
    failed: number;
    /**
     * Sent, but whether they were saved nobody knows, so not in `imported`: those of calls cut short by a stop (your
     * abort, refused credentials) and of a failed conversation's last attempt that could not be read back (its
     * `messagesUncertain`, in `failed` too). A call whose request never went out is not counted: one stopped or timed
     * out while it waited for its token (a sign-in, a refresh after a 401), or refused by the SDK before sending; its
     * messages are simply not imported. One handed to the transport is, sent or not (no transport tells): so is one
     * still waiting for a socket of the client's pool (give the client at least `concurrency` `connections`) or for
     * its connection to open. 0 means `imported` is exact. Running the import again settles them: found by
     * import key if saved, sent if not, never twice.
     */
    uncertain: number;
  };
  /** Calls sent again after a failure. */
  retries: number;
  /** Times a conversation was read back to learn what an unanswered or failed call saved. */
  reconciliations: number;
  /** Import keys found more than once on read-back (left by something other than this run's calls). */
  duplicatesFound: number;
  /** The first `maxReportDetails` failures. */
  failures: ImportFailure[];
  /** Failures not listed in `failures`. */
  failuresOmitted: number;
  durationMs: number;
  /**
   * Messages handled per second (imported, skipped as already present, and failed), as in the progress events;
   * `messages.imported` over `durationMs` is the rate of what was actually sent.
   */
  messagesPerSecond: number;
}

/** Options of {@link importConversations}. */
export interface ImportConversationsOptions {
  /** The project to import into. Default: the client's `projectId`. */
  projectId?: string;
  /**
   * Conversations imported at the same time (default 8). The source is read only as fast as slots free up. Each has
   * one call at a time: Node's default transport sends at most the client's `connections` (64) at once, so give the
   * client at least this many (calls past them wait for a socket, and a stop counts theirs in `messages.uncertain`).
   */
  concurrency?: number;
  /**
   * `'clienttimestamp'` (default): messages go in chunks (fast); within a chunk the server saves them concurrently,
   * so read them back ordered by `attributes.clienttimestamp` (`messages.list(id, { order: 'clienttimestamp' })`).
   * `'strict'`: one message per call, in order, so the server's own `createdAt` order is the source order too;
   * raise `concurrency` to recover throughput.
   */
  order?: 'clienttimestamp' | 'strict';
  /** Largest JSON body per call, in bytes (default 512 000: the server's default 500 KB limit). */
  maxChunkBytes?: number;
  /** Most messages per call (default 100). */
  maxChunkMessages?: number;
  /**
   * Fields added to every conversation's `requests.create` (the source's own fields win), e.g. `{ participants: [agentId] }`.
   * Its `first_text` names conversations that have neither `request.first_text` nor a message with text.
   */
  requestDefaults?: Partial<CreateRequestParams>;
  /**
   * Names this import in derived ids. Conversations without `request_id` get
   * `support-group-<projectId>-<hash(namespace, id or position + first message)>`; importing two different exports
   * that have no ids into one project needs two namespaces. Default `"import"`.
   */
  namespace?: string;
  /** Saves progress so a crashed or aborted import resumes where it stopped. */
  checkpoint?: ImportCheckpoint;
  /**
   * Least time between two checkpoint saves, in ms (default 1000). The final state is always saved, and so is the
   * state before a conversation past the checkpoint's `inFlightBelow` starts (about once per `maxWindow`
   * conversations): a crash must never leave a conversation in flight that the checkpoint does not cover.
   */
  checkpointIntervalMs?: number;
  /**
   * Called with progress at most every `progressIntervalMs` and once at the end. If it throws, the import stops. It
   * may be `async`: the import does not wait for each call, but settles only after their promises have (or `signal`
   * aborts), and a rejection stops it as a throw does.
   */
  onProgress?: (event: ImportProgressEvent) => void;
  /**
   * Called once per conversation settled by this run, with the `request_id` it went to: e.g. to record the mapping
   * from your ids to Tiledesk's, or to log every failure. If it throws, the import stops. It may be `async` (a
   * database write): the import does not wait for each call, but settles only after their promises have (or
   * `signal` aborts), and a rejection stops it as a throw does.
   */
  onConversation?: (event: ImportConversationEvent) => void;
  /** Least time between two progress events, in ms (default 250; 0 = after every chunk and conversation). */
  progressIntervalMs?: number;
  /** Totals for progress and ETA when the source cannot tell (an array source counts itself). */
  total?: { conversations?: number; messages?: number };
  /** Stops the import: calls in flight are aborted, the checkpoint saved, and an `ImportAbortedError` thrown. */
  signal?: AbortSignal;
  /** Per-call timeout in ms. Default: the client's `timeout`. */
  timeout?: number;
  /** Attempts per call before the conversation is given up (default 8). */
  maxAttempts?: number;
  /** Backoff between attempts (full jitter, default 250 / 10 000 ms). */
  retryDelay?: BackoffOptions;
  /** Longest `Retry-After` honoured (default 60 000 ms); a longer one fails the call. */
  maxRetryAfterMs?: number;
  /**
   * After a call whose outcome is unknown (a 5xx, a reset, a timeout), the conversation is read back twice, this
   * far apart (ms, default 500), until two reads agree, before anything is sent again: saves the server had
   * already started can land after its answer. A call the client timed out on while the server still worked on it
   * can save later than that, and its messages are then sent twice: keep `timeout` above the server's slowest answers.
   */
  settleDelayMs?: number;
  /**
   * Largest distance (in conversations) between the oldest unsettled conversation and the newest one started
   * (default `concurrency × 16`, at least 64). It bounds the checkpoint's size; a slow conversation holds the
   * import back once the window is full.
   */
  maxWindow?: number;
  /** Entries kept in `report.failures` (default 100). */
  maxReportDetails?: number;
}
