/**
 * Turns one source conversation into what will be sent: the `requests.create` body with a deterministic
 * `request_id`, and every message validated, stamped with its import key, position and original time, and
 * serialised once (for chunk sizing). Nothing here touches the network; a bad conversation fails before any call.
 */
import { ValidationError } from '../rest/errors.js';
import { prepareMessage, type PreparedMessage } from '../rest/import.js';
import type { CreateRequestParams } from '../rest/resources/requests.js';
import { isPlainObject } from '../shared/merge.js';
import { IMPORT_INDEX_ATTRIBUTE, IMPORT_KEY_ATTRIBUTE, derivedMessageKey, derivedRequestId, isZonelessDateTime, toEpochMs } from './keys.js';

/** One message ready to send. */
export interface PreparedImportMessage {
  /** Position in the source conversation. */
  index: number;
  key: string;
  /** Validated, normalised and serialised once; `messages.import` sends it as is. */
  prepared: PreparedMessage;
}

export interface PreparedConversation {
  position: number;
  requestId: string;
  create: CreateRequestParams & { request_id: string };
  messages: PreparedImportMessage[];
}

export interface PrepareSettings {
  projectId: string;
  namespace: string;
  maxChunkBytes: number;
  requestDefaults: Partial<CreateRequestParams> | undefined;
}

const FALLBACK_FIRST_TEXT = 'Imported conversation';

function sourceId(value: unknown, field: string, index?: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  // An integer past 2^53 has lost digits (in JSON.parse, before we see it): neighbouring ids (Twitter's, Discord's
  // snowflakes) come out equal, and two conversations would be merged, the second's messages skipped as present.
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new ValidationError(field, 'is a number too large to be exact (over 2^53, its last digits are lost when the file is read): write it as a string', index);
  }
  if ((typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  throw new ValidationError(field, 'must be a non-empty string or a number', index);
}

/** Validates and normalises one conversation; throws a {@link ValidationError} (with the message `index`) if it is bad. */
export function prepareConversation(input: unknown, position: number, settings: PrepareSettings): PreparedConversation {
  if (!isPlainObject(input)) throw new ValidationError('conversation', 'must be an object { request, messages }');
  const request = input.request ?? {};
  if (!isPlainObject(request)) throw new ValidationError('request', 'must be an object');
  const messages = input.messages;
  if (!Array.isArray(messages)) throw new ValidationError('messages', 'must be an array');

  const { id: rawRequestId, ...fields } = request;
  const externalId = sourceId(rawRequestId, 'request.id');
  if (fields.request_id !== undefined && (typeof fields.request_id !== 'string' || fields.request_id.trim() === '')) {
    throw new ValidationError('request.request_id', 'must be a non-empty string');
  }
  if (fields.first_text !== undefined && (typeof fields.first_text !== 'string' || fields.first_text.trim() === '')) {
    throw new ValidationError('request.first_text', 'must be a non-empty string');
  }
  // Checked here, not only by `requests.create`, whose error would name a bare `sender`: a message's field, in a report.
  if (fields.sender !== undefined && (typeof fields.sender !== 'string' || fields.sender.trim() === '')) {
    throw new ValidationError('request.sender', 'must be a non-empty string');
  }

  const times = messages.map((m, i) => messageTime(m, i));
  const first = messages[0] as Record<string, unknown> | undefined;
  const requestId =
    (fields.request_id as string | undefined) ??
    derivedRequestId(settings.projectId, settings.namespace, position, externalId, isPlainObject(first) ? [first.sender ?? null, first.text ?? null, times[0] ?? null] : null);

  const keys = new Set<string>();
  const prepared = messages.map((m, index): PreparedImportMessage => {
    if (!isPlainObject(m)) throw new ValidationError('message', 'must be an object', index);
    // One copy of the message (without the source-only `id` and `timestamp`) that is then ours to change.
    const { id, timestamp: _timestamp, ...rest } = m;
    const attributes = rest.attributes;
    if (attributes !== undefined && !isPlainObject(attributes)) throw new ValidationError('attributes', 'must be an object', index);
    const ownKey = attributes?.[IMPORT_KEY_ATTRIBUTE];
    const key =
      ownKey !== undefined
        ? sourceId(ownKey, `attributes.${IMPORT_KEY_ATTRIBUTE}`, index)!
        : (sourceId(id, 'id', index) ?? derivedMessageKey(requestId, index));
    if (keys.has(key)) throw new ValidationError(ownKey !== undefined ? `attributes.${IMPORT_KEY_ATTRIBUTE}` : 'id', `repeats the key "${key}" of an earlier message`, index);
    keys.add(key);
    const time = times[index];
    rest.attributes = time === undefined
      ? { ...withoutTime(attributes), [IMPORT_KEY_ATTRIBUTE]: key, [IMPORT_INDEX_ATTRIBUTE]: index }
      : { ...attributes, [IMPORT_KEY_ATTRIBUTE]: key, [IMPORT_INDEX_ATTRIBUTE]: index, clienttimestamp: time };
    return { index, key, prepared: prepareMessage(rest, index, settings.maxChunkBytes) };
  });

  const defaults = settings.requestDefaults;
  const firstText =
    (fields.first_text as string | undefined) ??
    (messages.find((m) => isPlainObject(m) && typeof m.text === 'string' && m.text.trim() !== '') as { text: string } | undefined)?.text ??
    // A conversation without any text (images only, or none): requestDefaults' first_text, before a fixed label.
    defaults?.first_text ??
    FALLBACK_FIRST_TEXT;
  const create = { ...defaults, ...fields, request_id: requestId, first_text: firstText } as CreateRequestParams & { request_id: string };
  return { position, requestId, create, messages: prepared };
}

/** 1e11 ms is March 1973; 1e11 s is the year 5138: below it, a time is far likelier seconds than a real message's ms. */
const SECONDS_LOOKALIKE = 1e11;

/** The message's original time in ms, from `timestamp` or `attributes.clienttimestamp`. */
function messageTime(message: unknown, index: number): number | undefined {
  if (!isPlainObject(message)) return undefined;
  const own = message.timestamp !== undefined;
  const value = own ? message.timestamp : isPlainObject(message.attributes) ? message.attributes.clienttimestamp : undefined;
  if (value === undefined) return undefined;
  const field = own ? 'timestamp' : 'attributes.clienttimestamp';
  const ms = toEpochMs(value);
  if (ms === undefined) {
    // Asked only of a refused value, to say why: the usual time is parsed once.
    if (isZonelessDateTime(value)) {
      throw new ValidationError(field, "has no time zone: add 'Z' (UTC) or an offset such as +02:00 (without one, the time would depend on the machine's zone)", index);
    }
    throw new ValidationError(field, 'must be a Date, a number of ms since the epoch or an ISO-8601 string', index);
  }
  // Chat exports in seconds (Unix time, Slack's `ts`) would land in January 1970.
  if (ms < SECONDS_LOOKALIKE) throw new ValidationError(field, 'is before 1973 as ms since the epoch: a time in seconds? Multiply it by 1000', index);
  return ms;
}

/** Attributes without a `clienttimestamp` (an explicit `undefined` one must not reach the server as a key). */
function withoutTime(attributes: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (attributes === undefined || !('clienttimestamp' in attributes)) return attributes;
  const { clienttimestamp: _dropped, ...others } = attributes;
  return others;
}
