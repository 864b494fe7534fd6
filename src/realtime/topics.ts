import { RealtimeError } from './errors.js';

/**
 * The canonical topics of the Tiledesk realtime API. The server matches subscriptions by exact string: a
 * non-canonical spelling (a trailing slash, an event name suffix) still gets a snapshot but never a live event.
 */
export type TopicKind = 'requests' | 'request' | 'messages' | 'projectUser' | 'projectUserByUserId' | 'events' | 'bot';

declare const topicKind: unique symbol;

/** A canonical topic string, branded with its kind so `subscribe` can type the handlers. */
export type Topic<K extends TopicKind = TopicKind> = string & { readonly [topicKind]: K };

/** A topic split into its parts by {@link parseTopic}. */
export interface ParsedTopic {
  kind: TopicKind;
  projectId: string;
  /** `request_id` for `request` and `messages`. */
  requestId?: string;
  /** project_user `_id` for `projectUser` and `events`; user id or guest uuid for `projectUserByUserId`; bot id for `bot`. */
  id?: string;
}

/** Kinds whose snapshot is an array and whose live events are single objects. */
export const LIST_KINDS: ReadonlySet<TopicKind> = new Set<TopicKind>(['requests', 'messages', 'events']);

/** One id inside a topic: an empty id, a slash or surrounding spaces would change which topic the server sees. */
function segment(value: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('/') || value.trim() !== value) {
    // Only a string is quoted: JSON.stringify throws on a bigint, a template on a symbol or a null-prototype object.
    const got = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new RealtimeError('invalid_topic', `topic ids must be non-empty strings without "/" or spaces, got ${got}`);
  }
  return value;
}

/** Fills a topic template with checked ids: `topic\`/${projectId}/requests\``. */
const topic = (parts: TemplateStringsArray, ...ids: string[]) => String.raw(parts, ...ids.map(segment));

/**
 * Builders for every canonical topic.
 *
 * @example
 * ```ts
 * rt.subscribe(topics.messages(projectId, requestId), { create: (m) => console.log(m.text) });
 * ```
 */
export const topics = {
  /** Open conversations of a project: snapshot of up to 100, then CREATE/UPDATE of every request. */
  requests: (projectId: string) => topic`/${projectId}/requests` as Topic<'requests'>,
  /** One conversation: the populated request (or null when not visible), then its CREATE/UPDATE. */
  request: (projectId: string, requestId: string) => topic`/${projectId}/requests/${requestId}` as Topic<'request'>,
  /** Messages of one conversation: the oldest 300 as a snapshot, then every new message. */
  messages: (projectId: string, requestId: string) => topic`/${projectId}/requests/${requestId}/messages` as Topic<'messages'>,
  /** Your own project_user record (agent availability); the server refuses anyone else's. */
  projectUser: (projectId: string, projectUserId: string) => topic`/${projectId}/project_users/${projectUserId}` as Topic<'projectUser'>,
  /** Any member's project_user, looked up by user id (or guest uuid). */
  projectUserByUserId: (projectId: string, userId: string) =>
    topic`/${projectId}/project_users/users/${userId}` as Topic<'projectUserByUserId'>,
  /** Events of a project_user (the last 20, then live). No event-name suffix: the server never publishes to it. */
  events: (projectId: string, projectUserId: string) => topic`/${projectId}/events/${projectUserId}` as Topic<'events'>,
  /** A bot document (or null), then its UPDATEs. */
  bot: (projectId: string, botId: string) => topic`/${projectId}/bots/${botId}` as Topic<'bot'>,
} as const;

/**
 * Splits a canonical topic into its parts; `undefined` for anything the server would not publish live events to
 * (trailing slash, empty or extra segments, event-name suffix, unknown collection).
 *
 * @example
 * ```ts
 * parseTopic('/p1/requests/r1/messages'); // { kind: 'messages', projectId: 'p1', requestId: 'r1' }
 * parseTopic('/p1/requests/');            // undefined
 * ```
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  if (typeof topic !== 'string') return undefined;
  const parts = topic.split('/');
  const [lead, projectId, collection, a, b] = parts;
  if (lead !== '' || !projectId || !collection || parts.some((p, i) => i > 0 && (p === '' || p.trim() !== p))) return undefined;
  const n = parts.length;
  if (collection === 'requests') {
    if (n === 3) return { kind: 'requests', projectId };
    if (n === 4) return { kind: 'request', projectId, requestId: a! };
    if (n === 5 && b === 'messages') return { kind: 'messages', projectId, requestId: a! };
  } else if (collection === 'project_users') {
    if (n === 4 && a !== 'users') return { kind: 'projectUser', projectId, id: a! };
    if (n === 5 && a === 'users') return { kind: 'projectUserByUserId', projectId, id: b! };
  } else if (n === 4 && (collection === 'events' || collection === 'bots')) {
    return { kind: collection === 'events' ? 'events' : 'bot', projectId, id: a! };
  }
  return undefined;
}
