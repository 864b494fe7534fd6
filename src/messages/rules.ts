/**
 * What the Tiledesk widget (chat21-web-widget 5.2.x) needs from an outbound message, stated once and used by both
 * validators: the zod schemas in outbound.ts (for JSON you did not build) and the builder checks in
 * outbound-check.ts (which keep zod out of apps that only build messages). Each rule's message says why it exists.
 */
import { isPlainObject } from '../shared/merge.js';

/**
 * Where a URL button or a redirect opens its link: a new tab, the page hosting the widget, or a panel inside the widget.
 *
 * @example
 * ```ts
 * LINK_TARGETS.includes(target) // 'blank' | 'parent' | 'self'
 * ```
 */
export const LINK_TARGETS = ['blank', 'parent', 'self'] as const;

/**
 * `attributes.messagelabel.key` values the widget knows (chat21-web-widget `constants.ts`).
 *
 * @example
 * ```ts
 * text('Chat closed').hidden().withAttributes({ messagelabel: { key: 'CHAT_CLOSED' } });
 * ```
 */
export const INFO_MESSAGE_KEYS = [
  'MEMBER_JOINED_GROUP',
  'MEMBER_LEFT_GROUP',
  'CHAT_REOPENED',
  'CHAT_CLOSED',
  'TOUCHING_OPERATOR',
  'LEAD_UPDATED',
  'LIVE_PAGE',
  'PLAN_EXPIRED',
  'USER_BANNED',
] as const;

/** `attributes.subtype` values: hidden info lines, support notices, and private messages the widget drops. */
export const SUBTYPES = ['info', 'info/support', 'private'] as const;

/** A check on a value that already has the right type, with the message shown when it fails. */
export interface Rule<T> {
  readonly test: (value: T) => boolean;
  readonly message: string;
}

// Marked side-effect free so a bundle that uses none of the rules (a dashboard that only reads) drops them.
const matches = /* @__NO_SIDE_EFFECTS__ */ (pattern: RegExp, message: string): Rule<string> => ({ test: (s) => pattern.test(s), message });

// Absolute http(s) only: the widget hands these to <img>/<iframe>/window.open as they are, so a bare
// "www.example.com" resolves against the host page and `javascript:` in an iframe would run in the widget.
// The patterns run on what any sender wrote, so none may backtrack more than linearly: no two adjacent quantifiers
// accept the same character (a host char followed by anything non-blank, not `[^\s/?#]+[^\s]*`, which is quadratic
// on "http://aaa…a " with a trailing space; an email's domain is split at its first dot after the first character).
export const HTTP_URL = matches(/^https?:\/\/[^\s/?#]\S*$/i, 'must be an absolute http(s) URL');
export const LINK_URL = matches(/^(?:https?:\/\/[^\s/?#]|mailto:|tel:)\S*$/i, 'must be an absolute http(s), mailto: or tel: URL');
export const MIME_TYPE = matches(/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;.*)?$/, 'must be a MIME type such as "application/pdf"');
export const AUDIO_MIME_TYPE = matches(/^audio\//i, 'must be an audio MIME type such as "audio/mpeg"');
export const EMAIL = matches(/^[^\s@]+@[^\s@][^\s@.]*\.[^\s@]+$/, 'must be an email address');
export const CSS_SIZE = matches(/^\d+(?:\.\d+)?(?:px|%)?$/, 'must be pixels or a percentage such as "100%"');
export const NON_BLANK: Rule<string> = { test: (s) => s.trim() !== '', message: 'must not be blank' };
/**
 * Whether the widget reads a url_preview's text as JSON sources: its `parseJsonLenient` (json-sources-parser.service.ts)
 * reads the trimmed text as JSON, else the text with a ```json fence and trailing commas taken out, and a JSON string
 * that holds `[…]` again (one holding `{…}` too, which never gives an array); sources are an array with an object in it.
 */
function isJsonSources(text: string): boolean {
  let value: unknown;
  try {
    try {
      value = JSON.parse(text.trim());
    } catch {
      value = JSON.parse(text.replace(/^\s*```(json)?|```\s*$/gi, '').trim().replace(/,\s*([}\]])/g, '$1'));
    }
  } catch {
    return false;
  }
  return typeof value === 'string' && /^\s*\[[^]*]\s*$/.test(value) ? isJsonSources(value) : Array.isArray(value) && value.some(isPlainObject);
}

// The widget reads a url_preview's text as JSON sources, drawn whole, when `isJsonSources` says so (`[1, {…}]` too),
// or else as text holding URLs (`[]`, `["https://…"]` and `[{` that is no JSON too): text with
// none made an empty bubble, and of more than 10 distinct URLs it draws the first 10 and silently drops the rest. It
// takes a URL up to a blank or one of <>"'`)] and cuts trailing .,;:!? off: counted here by ending each match at its
// last character that is not such punctuation (cutting a run of dots off afterwards, `[.,;:!?]+$`, would retry the run
// from each of its dots: quadratic).
export const URL_PREVIEW_TEXT: Rule<string> = {
  test: (s) =>
    isJsonSources(s) ||
    (/https?:\/\/[^\s<>"'`)\]]/i.test(s) && new Set(s.match(/https?:\/\/[^\s<>"'`)\]]*[^\s<>"'`)\].,;:!?]/gi)).size < 11),
  message: 'must hold 1 to 10 distinct http(s) URLs (the widget shows no more) or a JSON array of sources',
};
export const PIXELS: Rule<number> = { test: (n) => n > 0, message: 'must be > 0' };
export const WAIT_TIME: Rule<number> = { test: (ms) => ms >= 0, message: 'must be ≥ 0' };
export const NON_EMPTY_BUTTONS: Rule<readonly unknown[]> = {
  test: (list) => list.length > 0,
  message: 'must contain at least one button (the widget would draw an empty row)',
};
export const NON_EMPTY_GALLERY: Rule<readonly unknown[]> = { test: (list) => list.length > 0, message: 'must contain at least one card' };
export const NON_EMPTY_COMMANDS: Rule<readonly unknown[]> = {
  test: (list) => list.length > 0,
  message: 'must contain at least one message command',
};

/**
 * The keys an open object keeps beyond its `known` ones (custom `attributes`, `flowAttributes`,
 * `messagelabel.parameters`, `voiceSettings`) must hold what JSON.stringify can write. It throws at a bigint, a circular
 * value or a `toJSON` that throws: the message could not be sent (`TiledeskClient` refuses it with the same words).
 */
export const NOT_JSON = 'is not JSON-serialisable';
export const checkJsonFields =
  (known: readonly string[]) =>
  (value: Record<string, unknown>, report: (path: IssuePath, message: string) => void): void => {
    for (const key in value) {
      try {
        if (!known.includes(key)) JSON.stringify(value[key]);
      } catch {
        report([key], NOT_JSON);
      }
    }
  };

/** Why a key is refused where it appears. */
export const NO_COMMANDS = 'only a top-level text message can carry commands (use split())';
export const NO_REDIRECT_BUTTONS = 'a redirect is not drawn, so its buttons would never show';

export type IssuePath = (string | number)[];

/**
 * Join and leave labels must name the member. For a join line the widget calls `parameters.member_id.includes(…)`
 * (it hides lines about bots) and throws without it; for a leave line it reads `parameters.fullname`, throwing
 * without `parameters`, and falls back to `member_id`, showing "undefined left" without either.
 */
export function checkInfoLabel(label: Record<string, unknown>, report: (path: IssuePath, message: string) => void): void {
  // Both validators call this only once `parameters` is known to be an object, null or missing.
  const parameters = label['parameters'] as Record<string, unknown> | null | undefined;
  if (typeof parameters?.['member_id'] === 'string') return;
  if (label['key'] === 'MEMBER_JOINED_GROUP') report(['parameters', 'member_id'], 'must be a string for MEMBER_JOINED_GROUP: the widget throws without it');
  if (label['key'] === 'MEMBER_LEFT_GROUP' && !parameters?.['fullname']) {
    report(['parameters', 'fullname'], 'or parameters.member_id is required for MEMBER_LEFT_GROUP: the widget throws or shows "undefined" without them');
  }
}

/**
 * The fields the rules across fields read. Both validators run those rules only on a value whose fields have the
 * right types (a field missing or of another type stops them, as in zod), so they read them without further checks.
 */
interface CheckedFields {
  text?: string;
  metadata: { type: string };
  attributes?: {
    attachment?: unknown;
    commands?: { type: string; message?: { attributes?: { attachment?: { buttons?: { type: string }[] } } } }[];
  };
}

/**
 * The widget has no file card: a file that is not audio (`metadata.type.includes('audio')`, as it tells them) is drawn
 * as its text alone, which `file()` makes a `[name](src)` link. Without text it was an empty bubble.
 */
export function checkFileText(message: Record<string, unknown>, report: (path: IssuePath, message: string) => void): void {
  const { text, metadata } = message as unknown as CheckedFields;
  if (!metadata.type.includes('audio') && !text?.trim()) {
    report(['text'], 'is required for a file that is not audio: the widget draws only the text');
  }
}

/**
 * Rules that span fields of a text message, reported through `report(path, message)` with paths relative to the
 * message. The widget reads `commands[i-2].message.timestamp` for every message command, so anything but strict
 * message/wait alternation (a leading wait is fine) throws inside it.
 */
export function checkTextMessage(message: Record<string, unknown>, report: (path: IssuePath, message: string) => void): void {
  const { text, attributes } = message as unknown as CheckedFields;
  const commands = attributes?.commands;
  if (commands === undefined) {
    if (!text?.trim()) report(['text'], 'is required: the widget shows nothing for a text message without text');
    return;
  }
  if (attributes!.attachment !== undefined) {
    report(['attributes', 'attachment'], 'a split message is shown only through its commands: put the buttons on the last message command');
  }
  const kinds = commands.map((command) => command.type);
  kinds.forEach((kind, i) => {
    if (i === 0 || kind !== kinds[i - 1]) return;
    if (kind === 'wait') report(['attributes', 'commands', i], 'two waits in a row crash the widget: merge them into one wait');
    if (kind === 'message') report(['attributes', 'commands', i], 'two messages in a row: put a wait between them (the widget times each message from the one two places before)');
  });
  if (commands.length > 0 && !kinds.includes('message')) report(['attributes', 'commands'], NON_EMPTY_COMMANDS.message);
  const lastMessage = kinds.lastIndexOf('message');
  commands.forEach((command, i) => {
    if (i === lastMessage) return;
    command.message?.attributes?.attachment?.buttons?.forEach((button, j) => {
      const { type } = button;
      if (type === 'text' || type === 'action') {
        report(
          ['attributes', 'commands', i, 'message', 'attributes', 'attachment', 'buttons', j],
          'quick-reply and action buttons show only on the last message: move this button to the last message command',
        );
      }
    });
  });
}
