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

/**
 * One id inside a topic: an empty id, a slash or surrounding spaces would change which topic the server sees; a lone
 * surrogate (half an emoji, cut by a string slice) names no id the server has, and REST calls refuse it too.
 */
function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('/') || value.trim() !== value || /\p{Cs}/u.test(value)) {
    // Only a string is quoted: JSON.stringify throws on a bigint, a template on a symbol or a null-prototype object.
    const got = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new RealtimeError('invalid_topic', `${name} must be a non-empty string without "/", spaces or lone surrogates, got ${got}`, { argument: name });
  }
  return value;
}

/**
 * A tag that fills a topic template of `kind` with checked ids, named `names` in order, and refuses with
 * `invalid_topic` (naming the argument) a topic the server would read as another kind: it reads a topic by the
 * words in it (see {@link kindOf}), so an id that is one of them (`messages`, `requests`, a project id `events`…)
 * changes the kind.
 */
const topic =
  <K extends TopicKind>(kind: K, ...names: string[]) =>
  (parts: TemplateStringsArray, ...ids: string[]): Topic<K> => {
    const built = String.raw(parts, ...ids.map((id, i) => segment(names[i]!, id)));
    // The id that alone changes the kind, the others replaced by a neutral one.
    const i = ids.findIndex((id, i) => kindOf(String.raw(parts, ...ids.map((other, j) => (j === i ? id : 'x')))) !== kind);
    if (i >= 0) {
      throw new RealtimeError(
        'invalid_topic',
        `${names[i]} ${JSON.stringify(ids[i])} makes ${JSON.stringify(built)}, not a canonical ${kind} topic (the server reads a topic by the words in it)`,
        { argument: names[i] },
      );
    }
    return built as Topic<K>;
  };

/**
 * Builders for every canonical topic. Ids go in as they are (the server matches topics by exact string, nothing is
 * encoded). Each builder throws `invalid_topic`, with `argument` naming the id, for an id that is not a non-empty
 * string without `/` and surrounding spaces, and for an id that would make the server read the topic as another kind
 * (it reads a topic by the words in it): `messages` or `requests` as the last id (`topics.request(pid, 'messages')`
 * would be read as the messages of the request `messages`), `users` as a project_user id, and a project id
 * `project_users`, `events` or `bots` in a topic whose own collection the server looks for after that word.
 *
 * @example
 * ```ts
 * rt.subscribe(topics.messages(projectId, requestId), { create: (m) => console.log(m.text) });
 * topics.request(projectId, 'messages'); // throws RealtimeError { code: 'invalid_topic', argument: 'requestId' }
 * ```
 */
export const topics = {
  /** Open conversations of a project: snapshot of up to 100, then CREATE/UPDATE of every request. */
  requests: (projectId: string) => topic('requests', 'projectId')`/${projectId}/requests`,
  /** One conversation: the populated request (or null when not visible), then its CREATE/UPDATE. */
  request: (projectId: string, requestId: string) => topic('request', 'projectId', 'requestId')`/${projectId}/requests/${requestId}`,
  /** Messages of one conversation: the oldest 300 as a snapshot, then every new message. */
  messages: (projectId: string, requestId: string) =>
    topic('messages', 'projectId', 'requestId')`/${projectId}/requests/${requestId}/messages`,
  /** Your own project_user record (agent availability); the server refuses anyone else's. */
  projectUser: (projectId: string, projectUserId: string) =>
    topic('projectUser', 'projectId', 'projectUserId')`/${projectId}/project_users/${projectUserId}`,
  /** Any member's project_user, looked up by user id (or guest uuid). */
  projectUserByUserId: (projectId: string, userId: string) =>
    topic('projectUserByUserId', 'projectId', 'userId')`/${projectId}/project_users/users/${userId}`,
  /** Events of a project_user (the last 20, then live). No event-name suffix: the server never publishes to it. */
  events: (projectId: string, projectUserId: string) => topic('events', 'projectId', 'projectUserId')`/${projectId}/events/${projectUserId}`,
  /** A bot document (or null), then its UPDATEs. */
  bot: (projectId: string, botId: string) => topic('bot', 'projectId', 'botId')`/${projectId}/bots/${botId}`,
} as const;

/** The collections the server looks for anywhere in a topic, in its order; `requests` stands for "none of them". */
const ROUTED = ['project_users', 'events', 'bots', 'requests'];

/**
 * The kind of a canonical topic, or `undefined` (see {@link parseTopic}): what `subscribe` needs, without the parts.
 * The server (webSocketServer.js, on subscribe) reads a topic as the first of: ending in `/messages` → messages,
 * ending in `/requests` → the list, containing `/project_users/users/`, `/project_users/`, `/events/`, `/bots/` →
 * those, anything else → one request; it then takes the ids from fixed positions. A topic is canonical when that
 * reading gives the kind its shape says, so that the live events the server publishes for those ids reach it.
 * @internal
 */
export function kindOf(topic: string): TopicKind | undefined {
  if (typeof topic !== 'string') return undefined;
  const parts = topic.split('/');
  const [lead, projectId, collection, a] = parts;
  const n = parts.length;
  const id = parts[n - 1];
  // 0 project_users, 1 events, 2 bots, 3 requests.
  const rank = ROUTED.indexOf(collection!);
  if (lead !== '' || rank < 0 || parts.some((p, i) => i > 0 && (p === '' || p.trim() !== p))) return undefined;
  if (rank > 2 && n !== 4) return n === 3 ? 'requests' : n === 5 && id === 'messages' ? 'messages' : undefined;
  // The other kinds end with an id: not one the server would read as a list's name, and their project id must not
  // be a collection it looks for before theirs.
  if (id === 'messages' || id === 'requests' || ROUTED.slice(0, rank).includes(projectId!)) return undefined;
  // `users` after `project_users` is the by-user topic only (a project_user id `users` is refused: ids are ObjectIds).
  if (rank < 1) return n === (a === 'users' ? 5 : 4) ? (n > 4 ? 'projectUserByUserId' : 'projectUser') : undefined;
  return n === 4 ? (['events', 'bot', 'request'] as const)[rank - 1] : undefined;
}

/**
 * Splits a canonical topic into its parts; `undefined` for anything the server would not publish live events to
 * (trailing slash, empty or extra segments, event-name suffix, unknown collection), and for a topic the server reads
 * as another kind than its shape says: it reads a topic by the words in it (see {@link topics}), so
 * `/p1/requests/messages` is not the request `messages`: the server reads it as the messages of that request.
 *
 * @example
 * ```ts
 * parseTopic('/p1/requests/r1/messages'); // { kind: 'messages', projectId: 'p1', requestId: 'r1' }
 * parseTopic('/p1/requests/');            // undefined
 * parseTopic('/p1/requests/messages');    // undefined
 * ```
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const kind = kindOf(topic);
  if (!kind) return undefined;
  const parts = topic.split('/');
  const projectId = parts[1]!;
  if (kind === 'requests') return { kind, projectId };
  if (kind === 'request' || kind === 'messages') return { kind, projectId, requestId: parts[3]! };
  return { kind, projectId, id: parts[parts.length - 1]! };
}
