import type { InvalidMessageError } from './errors.js';
import { htmlToText } from './html.js';
import type {
  InboundButton,
  InboundCommand,
  InboundGalleryCard,
  InboundMessage,
  InboundMessageLabel,
} from './inbound.js';
import type { LinkTarget } from './outbound.js';
import { NOT_A_LIST, notAList } from './commands.js';
import { safeParseInboundMessage } from './parse.js';
import { checkInfoLabel, SUBTYPES } from './rules.js';

type Dimension = number | string | null | undefined;

/** Buttons the widget draws (`text`, `url`, `action`); anything else is ignored by it and left out here. */
type Buttons = InboundButton[];

/**
 * What the widget would draw for a message, as a union to switch on exhaustively (`switch (c.kind)`). `text` is
 * trimmed as the widget trims it. Every variant carries the parsed `message`.
 */
export type ClassifiedMessage =
  /** Markdown text; also what the widget falls back to for an image/frame without `src`. */
  | { kind: 'text'; text: string; buttons: Buttons; message: InboundMessage }
  | { kind: 'image'; src: string; width: Dimension; height: Dimension; name: string | undefined; text: string; buttons: Buttons; message: InboundMessage }
  /** A document: the widget shows only `text` (uploads write `[name](src)`), there is no file card. */
  | { kind: 'file'; src: string; mimeType: string; name: string | undefined; text: string; buttons: Buttons; message: InboundMessage }
  /** A `file` message with an audio MIME type: a waveform player; `text` is not shown. */
  | { kind: 'audio'; src: string; mimeType: string; buttons: Buttons; message: InboundMessage }
  | { kind: 'tts'; src: string; mimeType: string; text: string; voiceSettings: unknown; message: InboundMessage }
  | { kind: 'frame'; src: string; width: Dimension; height: Dimension; text: string; buttons: Buttons; message: InboundMessage }
  /**
   * Untrusted markup. The widget shows it as plain text; the agent app injects it raw (XSS). Show `fallbackText`
   * as text, or sanitise `markup` yourself before rendering it as HTML.
   */
  | { kind: 'html'; untrusted: true; markup: string; fallbackText: string; buttons: Buttons; message: InboundMessage }
  | { kind: 'gallery'; cards: InboundGalleryCard[]; text: string; message: InboundMessage }
  /** Not drawn: a live widget opens `link` when the message arrives. */
  | { kind: 'redirect'; link: string; target: LinkTarget; message: InboundMessage }
  /**
   * Citation cards built from `text`: a JSON array of sources, all drawn, or text with URLs, of which the widget draws
   * the first 10 distinct ones and drops the rest (`text` is as sent: count them yourself if you render them).
   */
  | { kind: 'url_preview'; text: string; message: InboundMessage }
  /** `subtype` `info`/`info/support`: a centred system line, hidden unless its `label.key` is enabled in the widget. */
  | { kind: 'info'; text: string; label: InboundMessageLabel | undefined; message: InboundMessage }
  /** `subtype: "private"`: the widget drops it. */
  | { kind: 'private'; message: InboundMessage }
  /**
   * `attributes.commands` is a list: shown only as its parts; see {@link expandCommands}. A falsy `commands` (`''`,
   * `0`, `false`, `null`) is no commands, as the widget reads it: the message is classified by its other fields.
   */
  | { kind: 'split'; commands: InboundCommand[]; message: InboundMessage }
  /** A `type` the widget does not support (e.g. `video`); it shows the text, if any. */
  | { kind: 'unsupported'; type: string; text: string; buttons: Buttons; message: InboundMessage }
  /** Not a message any sender produces, or one that breaks the widget; `reason` says which. */
  | { kind: 'invalid'; reason: string; error: InvalidMessageError | undefined; text: string; message: unknown };

export type MessageKind = ClassifiedMessage['kind'];

const RENDERED_BUTTONS = ['text', 'url', 'action'];

/**
 * The target the widget actually uses: `self` and `parent` are honoured, anything else opens a new tab.
 *
 * @example
 * ```ts
 * normalizeTarget('_top'); // 'blank'
 * ```
 */
export function normalizeTarget(target: unknown): LinkTarget {
  return target === 'self' || target === 'parent' ? target : 'blank';
}

/**
 * Tells a renderer what the widget would show for `message` — any value: a REST or WebSocket message, a chat21
 * envelope, a chatbot body. Never throws; values no sender produces come back as `kind: "invalid"`.
 *
 * @example
 * ```ts
 * const c = classify(message);
 * switch (c.kind) {
 *   case 'image': return `<img src="${escapeAttr(c.src)}">`;
 *   case 'html': return escapeHtml(c.fallbackText); // never c.markup as HTML
 *   case 'split': return expandCommands(message).map(…);
 *   // …one case per kind; TypeScript checks the switch is exhaustive
 * }
 * ```
 */
export function classify(message: unknown): ClassifiedMessage {
  const parsed = safeParseInboundMessage(message);
  if (!parsed.success) {
    const raw = (message as Record<string, unknown> | null | undefined)?.['text'];
    return { kind: 'invalid', reason: parsed.error.message, error: parsed.error, text: typeof raw === 'string' ? raw.trim() : '', message };
  }
  const m = parsed.data;
  const attributes = m.attributes ?? {};
  const metadata = m.metadata ?? {};
  const body = m.text ?? '';
  const text = body.trim();
  const buttons = (attributes.attachment?.buttons ?? []).filter((b) => RENDERED_BUTTONS.includes(b.type!));
  const src = metadata.src ?? '';
  const mimeType = metadata.type;
  const invalid = (reason: string): ClassifiedMessage => ({ kind: 'invalid', reason, error: undefined, text, message: m });
  // What the widget draws when a media message lacks what its component needs: the bubble text.
  const asText: ClassifiedMessage = { kind: 'text', text, buttons, message: m };

  if (Array.isArray(attributes.commands)) return { kind: 'split', commands: attributes.commands, message: m };
  if (notAList(attributes)) return invalid(NOT_A_LIST);
  if (attributes.subtype === 'private') return { kind: 'private', message: m };
  // `private` returned above: the other subtypes are the info lines (the list the outbound check already bundles).
  if (SUBTYPES.includes(attributes.subtype as (typeof SUBTYPES)[number])) {
    const label = attributes.messagelabel ?? undefined;
    let problem: string | undefined;
    if (label) checkInfoLabel(label, (path, why) => (problem = `attributes.messagelabel.${path.join('.')} ${why}`));
    return problem ? invalid(problem) : { kind: 'info', text, label, message: m };
  }
  const type = m.type || 'text';
  if ([type, mimeType, attributes.type].includes('url_preview')) {
    return { kind: 'url_preview', text, message: m };
  }
  switch (type) {
    case 'text':
      return asText;
    case 'html':
      return { kind: 'html', untrusted: true, markup: body, fallbackText: htmlToText(body), buttons, message: m };
    case 'image':
      if (!src) return asText;
      return { kind: 'image', src, width: metadata.width, height: metadata.height, name: metadata.name ?? undefined, text, buttons, message: m };
    case 'frame':
      if (!src) return asText;
      return { kind: 'frame', src, width: metadata.width, height: metadata.height, text, buttons, message: m };
    case 'file':
    case 'tts':
      if (!src) return asText;
      // The widget calls metadata.type.includes('audio') here and throws when it is missing.
      if (typeof mimeType !== 'string') return invalid(`a ${type} message with metadata.src but no metadata.type crashes the widget`);
      if (mimeType.includes('audio')) {
        return type === 'tts'
          ? { kind: 'tts', src, mimeType, text, voiceSettings: metadata.voiceSettings, message: m }
          : { kind: 'audio', src, mimeType, buttons, message: m };
      }
      if (type === 'tts') return asText;
      return { kind: 'file', src, mimeType, name: metadata.name ?? undefined, text, buttons, message: m };
    case 'gallery': {
      const cards = attributes.attachment?.gallery;
      if (!cards) return asText;
      return { kind: 'gallery', cards, text, message: m };
    }
    case 'redirect':
      if (!src) return invalid('a redirect message without metadata.src makes the widget open an empty link');
      return { kind: 'redirect', link: src, target: normalizeTarget(metadata.target), message: m };
    default:
      return { kind: 'unsupported', type, text, buttons, message: m };
  }
}
