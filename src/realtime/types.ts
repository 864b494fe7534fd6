import type { MessageWithRequest, ProjectUser, Request } from '../rest/schemas.js';
import type { RealtimeError } from './errors.js';
import type { TopicKind } from './topics.js';

/**
 * A conversation as the realtime API delivers it: the REST client's schema-inferred `Request` type (lenient: every
 * other field of the server's payload passes through). Shapes differ by source: snapshot items carry unpopulated id
 * strings and `snapshot.agents` only, live CREATEs are fully populated, live UPDATEs are populated but their
 * `snapshot` is reduced to `agents` (protocol §7.7). Type-only import: no schema code reaches the realtime bundle.
 */
export type RealtimeRequest = Request;

/** A message; live CREATE frames also embed the whole `request`, snapshot items do not. */
export type RealtimeMessage = MessageWithRequest;

/** A project_user (agent record) with `isBusy`. */
export type RealtimeProjectUser = ProjectUser;

/** A project event (`name`, `attributes`, `project_user`). */
export interface RealtimeEvent {
  _id?: string;
  name?: string;
  [field: string]: unknown;
}

/** A bot document. */
export interface RealtimeBot {
  _id: string;
  [field: string]: unknown;
}

/** The item type delivered for each topic kind. */
export interface TopicPayloads {
  requests: RealtimeRequest;
  request: RealtimeRequest;
  messages: RealtimeMessage;
  projectUser: RealtimeProjectUser;
  projectUserByUserId: RealtimeProjectUser;
  events: RealtimeEvent;
  bot: RealtimeBot;
}

/** What a handler is told about the frame an item came from. */
export interface FrameInfo {
  topic: string;
  method: 'CREATE' | 'UPDATE';
  /** True for the full snapshot the server sends after every (re)subscribe; it reuses `method: "CREATE"`. */
  snapshot: boolean;
}

/** `subscribing` until the first frame on the topic, `subscribed` after it, `error` on a subscribe timeout. */
export type SubscriptionState = 'subscribing' | 'subscribed' | 'error' | 'unsubscribed';

/**
 * Per-topic handlers. Payloads are normalised: a snapshot is always an array (`null` → `[]`, an object → `[object]`)
 * and `create`/`update` always get one item. Heartbeats and frames relayed from other clients' `publish` (no
 * `method`) never reach them. Without a `snapshot` handler, snapshot items go to `create` with `info.snapshot` true.
 */
export interface SubscriptionHandlers<T = unknown> {
  snapshot?(items: T[], info: FrameInfo): void;
  create?(item: T, info: FrameInfo): void;
  update?(item: T, info: FrameInfo): void;
  state?(state: SubscriptionState, error?: RealtimeError): void;
}

/** The subset of the Standard Schema interface (zod 4, valibot, arktype) the client uses; only sync results are accepted. */
export interface StandardSchemaLike<T = unknown> {
  readonly '~standard': {
    readonly validate: (
      value: unknown,
    ) =>
      | { readonly value: T; readonly issues?: undefined }
      | { readonly issues: ReadonlyArray<{ readonly message: string }> }
      | Promise<unknown>;
  };
}

/** A payload item validator: a Standard Schema (its output replaces the item) or a predicate. */
export type PayloadValidator<T = unknown> = StandardSchemaLike<T> | ((item: unknown) => boolean);

/**
 * Payload validation, off by default (the envelope is always checked). `true` applies the built-in structural checks
 * (ids and key fields present with the right types); a map applies your validators per topic kind and the built-in
 * checks to the other kinds. Items that fail are dropped and reported on `badFrame` with reason `invalid_payload`.
 */
export type ValidationOption = boolean | Partial<Record<TopicKind, PayloadValidator>>;

/** Why a frame or an item was dropped. */
export type BadFrameReason =
  | 'binary'
  | 'oversized'
  | 'not_json'
  | 'bad_envelope'
  | 'unknown_action'
  | 'unknown_method'
  | 'invalid_payload';

/** Reported on `badFrame`. Carries no frame content, which may hold personal data. */
export interface BadFrameReport {
  reason: BadFrameReason;
  /** Frame length in characters (bytes for binary frames). */
  size?: number;
  topic?: string;
  /** The validator's first issue, for `invalid_payload`. */
  detail?: string;
}
