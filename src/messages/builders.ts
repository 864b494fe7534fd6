/**
 * Builders for widget messages. Each call returns a new, deeply frozen message whose own enumerable properties
 * are exactly the JSON to send (methods live on the prototype), so `JSON.stringify(msg)`, `{ ...msg }` and
 * `client.messages.send(id, msg)` all see the documented JSON. Every step is checked against the outbound rules
 * (outbound-check.ts: the outbound schema's checks without zod, so chatbot code does not bundle it), so a builder
 * can only produce a message the widget renders correctly; otherwise it throws {@link InvalidMessageError} naming
 * the path, exactly as `parseOutboundMessage` would.
 */
import type { Check } from './check.js';
import { InvalidMessageError } from './errors.js';
import { outboundChecks } from './outbound-check.js';
import { checkMessage, unwrap } from './parse.js';
import type {
  LinkTarget,
  OutboundActionButton,
  OutboundButton,
  OutboundCommandMessage,
  OutboundFileMessage,
  OutboundFrameMessage,
  OutboundGalleryCard,
  OutboundGalleryMessage,
  OutboundHtmlMessage,
  OutboundImageMessage,
  OutboundMessage,
  OutboundRedirectMessage,
  OutboundTextButton,
  OutboundTextMessage,
  OutboundTtsMessage,
  OutboundUrlButton,
  OutboundUrlPreviewMessage,
  OutboundWaitCommand,
} from './outbound.js';
import { AUDIO_MIME_TYPE, NOT_JSON } from './rules.js';

type Json = Record<string, unknown>;

/** Methods every built message has. Each returns a new message; the receiver is never changed. */
export interface MessageMethods<Self, Message extends OutboundMessage = OutboundMessage> {
  /** Sets `text` (for media messages it is the caption; for a split message, what clients without split support show). */
  withText(text: string): Self;
  /** Sets `senderFullname`, the name shown above the bubble. */
  withSender(fullname: string): Self;
  /** Merges custom `attributes` (kept by the server and ignored by the widget unless it reads them). */
  withAttributes(attributes: Json): Self;
  /** `attributes.subtype = "info"`: hidden from end users; agents still see it. */
  hidden(): Self;
  /** Hides the widget's reply box until the next message; `placeholder` replaces its hint text. */
  disableInput(placeholder?: string): Self;
  /** Rewrites the user's name and/or email stored by the widget (`updateUserFullname`, `updateUserEmail`). */
  updateUser(user: { fullname?: string; email?: string }): Self;
  /** A mutable deep copy as a plain object (what `JSON.stringify` writes). */
  toJSON(): Message;
}

/** Methods of messages that can carry a row of buttons under the bubble. */
export interface ButtonMethods<Self> {
  /** Appends buttons (made with `buttons.url`, `buttons.action` or `buttons.text`); quick replies and action buttons show only while this is the last message. */
  buttons(...buttons: OutboundButton[]): Self;
  /** Appends quick-reply buttons; a click sends the label as the user's reply. */
  quickReplies(...labels: string[]): Self;
}

export interface TextMessageBuilder
  extends Readonly<OutboundTextMessage>, MessageMethods<TextMessageBuilder, OutboundTextMessage>, ButtonMethods<TextMessageBuilder> {}
export interface SplitMessageBuilder extends Readonly<OutboundTextMessage>, MessageMethods<SplitMessageBuilder, OutboundTextMessage> {}
export interface ImageMessageBuilder
  extends Readonly<OutboundImageMessage>, MessageMethods<ImageMessageBuilder, OutboundImageMessage>, ButtonMethods<ImageMessageBuilder> {}
export interface FileMessageBuilder
  extends Readonly<OutboundFileMessage>, MessageMethods<FileMessageBuilder, OutboundFileMessage>, ButtonMethods<FileMessageBuilder> {}
export interface FrameMessageBuilder
  extends Readonly<OutboundFrameMessage>, MessageMethods<FrameMessageBuilder, OutboundFrameMessage>, ButtonMethods<FrameMessageBuilder> {}
export interface HtmlMessageBuilder
  extends Readonly<OutboundHtmlMessage>, MessageMethods<HtmlMessageBuilder, OutboundHtmlMessage>, ButtonMethods<HtmlMessageBuilder> {}
export interface GalleryMessageBuilder
  extends Readonly<OutboundGalleryMessage>, MessageMethods<GalleryMessageBuilder, OutboundGalleryMessage> {}
export interface RedirectMessageBuilder
  extends Readonly<OutboundRedirectMessage>, MessageMethods<RedirectMessageBuilder, OutboundRedirectMessage> {}
export interface UrlPreviewMessageBuilder
  extends Readonly<OutboundUrlPreviewMessage>,
    MessageMethods<UrlPreviewMessageBuilder, OutboundUrlPreviewMessage>,
    ButtonMethods<UrlPreviewMessageBuilder> {}
export interface TtsMessageBuilder
  extends Readonly<OutboundTtsMessage>, MessageMethods<TtsMessageBuilder, OutboundTtsMessage>, ButtonMethods<TtsMessageBuilder> {}

/** Any built message. */
export type MessageBuilder =
  | TextMessageBuilder
  | SplitMessageBuilder
  | ImageMessageBuilder
  | FileMessageBuilder
  | FrameMessageBuilder
  | HtmlMessageBuilder
  | GalleryMessageBuilder
  | RedirectMessageBuilder
  | UrlPreviewMessageBuilder
  | TtsMessageBuilder;

/**
 * A copy of what JSON.stringify would send of `value`, found `depth` levels down in a message. A message nested
 * deeper than 100 levels (a circular value is infinitely deep) is refused naming `path`, the field the value was
 * given for, instead of overflowing the stack: MongoDB, where the server stores messages, holds no deeper document.
 * A bigint, which JSON cannot write, is refused the same way (`urlPreview` writes its sources as JSON before the check).
 */
function clone<T>(value: T, path = '', depth = 0): T {
  const inner = (item: unknown) => clone(item, path, depth + 1);
  if (depth > 100 || typeof value === 'bigint') {
    throw new InvalidMessageError([{ path, message: depth > 100 ? 'makes the message nested more than 100 levels deep (or is circular)' : NOT_JSON }]);
  }
  if (Array.isArray(value)) return value.map(inner) as T;
  if (typeof value !== 'object' || value === null) return value;
  // What JSON.stringify would send (a Date → its ISO string, as `parseOutboundMessage` keeps it), not `{}`.
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return inner(json.call(value)) as T;
  const out: Json = {};
  for (const key of Object.keys(value)) out[key] = inner((value as Json)[key]);
  return out as T;
}

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) freeze((value as Json)[key]);
    Object.freeze(value);
  }
  return value;
}

/** The checked value (rebuilt with its keys in the documented order), deeply frozen; or the error naming the path. */
function checked<T>(check: Check, value: unknown, what?: string): T {
  return freeze(unwrap(checkMessage<T>(check, value, what)));
}

/** Holds no fields of its own: the message's fields are assigned onto each instance. */
class Built {
  toJSON(): OutboundMessage {
    return clone({ ...this }) as unknown as OutboundMessage;
  }
  withText(text: string) {
    return this.#derive((m) => (m['text'] = text));
  }
  withSender(fullname: string) {
    return this.#derive((m) => (m['senderFullname'] = fullname));
  }
  withAttributes(attributes: Json) {
    return this.#derive((m, attrs) => Object.assign(attrs, clone(attributes, 'attributes', 1)));
  }
  hidden() {
    return this.#derive((m, attrs) => (attrs['subtype'] = 'info'));
  }
  disableInput(placeholder?: string) {
    return this.#derive((m, attrs) => {
      attrs['disableInputMessage'] = true;
      if (placeholder !== undefined) attrs['inputMessagePlaceholder'] = placeholder;
    });
  }
  updateUser(user: { fullname?: string; email?: string }) {
    return this.#derive((m, attrs) => {
      if (user?.email !== undefined) attrs['updateUserEmail'] = user.email;
      if (user?.fullname !== undefined) attrs['updateUserFullname'] = user.fullname;
    });
  }
  buttons(...list: OutboundButton[]) {
    return this.#derive((m, attrs) => {
      // Reachable from plain JS only (the gallery builder's type has no `buttons`): its buttons go on its cards.
      if (m['type'] === 'gallery') {
        throw new InvalidMessageError([{ path: 'attributes.attachment.buttons', message: 'a gallery carries buttons on its cards' }]);
      }
      // A checked message's attachment is `{ type: 'template', buttons }` or absent.
      const old = (attrs['attachment'] as { buttons: unknown[] } | undefined)?.buttons ?? [];
      attrs['attachment'] = { type: 'template', buttons: [...old, ...clone(list, 'attributes.attachment.buttons', 3)] };
    });
  }
  quickReplies(...labels: string[]) {
    return this.buttons(...labels.map(buttons.text));
  }
  /** Copies the message, lets `edit` change the copy (and its `attributes`, created on demand), validates, freezes. */
  // A `#` name: minifiers shorten it, where a TypeScript `private` keeps its full name in the bundle.
  #derive(edit: (message: Json, attributes: Json) => void): this {
    const message = clone({ ...this }) as Json;
    const attributes = (message['attributes'] as Json | undefined) ?? {};
    edit(message, attributes);
    if (Object.keys(attributes).length > 0) message['attributes'] = attributes;
    return create(message) as this;
  }
}

/** Checks, freezes and wraps `message`; `text`, when given, is set last (an optional caption or fallback text). */
function create(message: Json, text?: string): Built {
  if (text !== undefined) message['text'] = text;
  // Object.freeze returns its argument, typed Readonly (which would hide Built's private `#derive`).
  return Object.freeze(Object.assign(new Built(), checked<OutboundMessage>(outboundChecks.message, message))) as Built;
}


/**
 * A text message; `text` is markdown in the widget.
 *
 * @example
 * ```ts
 * text('Pick one').quickReplies('Yes', 'No').disableInput('Press a button');
 * // {"type":"text","text":"Pick one","attributes":{"disableInputMessage":true,
 * //  "inputMessagePlaceholder":"Press a button","attachment":{"type":"template","buttons":[…]}}}
 * ```
 */
export function text(content: string): TextMessageBuilder {
  return create({ type: 'text', text: content }) as unknown as TextMessageBuilder;
}

/**
 * The message the widget sends back when an action button is clicked: `attributes.action` tells the bot what to do.
 *
 * @example
 * ```ts
 * actionMessage('Talk to a human', 'handoff'); // {"type":"text","text":"Talk to a human","attributes":{"action":"handoff"}}
 * ```
 */
export function actionMessage(content: string, action: string): TextMessageBuilder {
  return create({ type: 'text', text: content, attributes: { action } }) as unknown as TextMessageBuilder;
}

/**
 * An image. The widget scales it to 130–230 px wide from `width`/`height`.
 *
 * @example
 * ```ts
 * image('https://example.com/logo.png', { width: 200, height: 200, text: 'Our logo' });
 * ```
 */
export function image(
  src: string,
  options?: { width?: number; height?: number; name?: string; text?: string },
): ImageMessageBuilder {
  const { text: caption, ...metadata } = options ?? {};
  return create({ type: 'image', metadata: { src, ...metadata } }, caption) as unknown as ImageMessageBuilder;
}

function fileName(src: string): string {
  // split() always returns at least one string.
  const path = String(src).split(/[?#]/)[0]!;
  let name = path.slice(path.lastIndexOf('/') + 1);
  try {
    name = decodeURIComponent(name);
  } catch {
    // A literal `%` (`50%.pdf`) is not an escape: the name is shown as written.
  }
  return name || 'file';
}

/**
 * A document. The widget has no file card: it shows the text only, so `text` (when absent or empty) is a markdown link
 * `[name](src)` as the widget's own uploads write it. `type` (the MIME type) is required: the widget crashes without it.
 *
 * @example
 * ```ts
 * file('https://example.com/report.pdf', { type: 'application/pdf' });
 * // {"type":"file","text":"[report.pdf](https://example.com/report.pdf)","metadata":{"name":"report.pdf",…}}
 * ```
 */
export function file(src: string, options: { type: string; name?: string; text?: string }): FileMessageBuilder {
  const { type, name = fileName(src), text } = options ?? {};
  return create({ type: 'file', text: text || `[${name}](${String(src)})`, metadata: { name, src, type } }) as unknown as FileMessageBuilder;
}

/**
 * A voice/audio message, drawn as a waveform player (a `file` message with an audio MIME type; text is not shown).
 *
 * @example
 * ```ts
 * audio('https://example.com/hello.mp3'); // {"type":"file","metadata":{"src":"…","type":"audio/mpeg"}}
 * ```
 */
export function audio(src: string, options?: { type?: string; name?: string }): FileMessageBuilder {
  const { type = 'audio/mpeg', name } = options ?? {};
  // Any other MIME type would make this a plain file message, which the widget shows as (empty) text.
  if (!AUDIO_MIME_TYPE.test(type)) throw new InvalidMessageError([{ path: 'metadata.type', message: AUDIO_MIME_TYPE.message }]);
  const metadata = name === undefined ? { src, type } : { name, src, type };
  return create({ type: 'file', metadata }) as unknown as FileMessageBuilder;
}

/**
 * Embedded content in a sandboxed iframe (videos, maps, small apps). `width`/`height` may be pixels or `"100%"`.
 *
 * @example
 * ```ts
 * frame('https://www.youtube.com/embed/H1WfFkp4puw', { text: 'This is a video!' });
 * ```
 */
export function frame(
  src: string,
  options?: { width?: number | string; height?: number | string; text?: string },
): FrameMessageBuilder {
  const { text: caption, ...metadata } = options ?? {};
  return create({ type: 'frame', metadata: { src, ...metadata } }, caption) as unknown as FrameMessageBuilder;
}

/**
 * An HTML message. **Untrusted markup**: current widgets show it as plain text, but the agent app (chat21-ionic)
 * injects it raw with `innerHTML`, so never put user-supplied content in it. Prefer markdown `text()`.
 *
 * @example
 * ```ts
 * html('<p><b>Opening hours</b></p>');
 * ```
 */
export function html(markup: string): HtmlMessageBuilder {
  return create({ type: 'html', text: markup }) as unknown as HtmlMessageBuilder;
}

/**
 * One gallery card. `image` defaults to `''`, which the widget shows as an "image not available" placeholder.
 *
 * @example
 * ```ts
 * card({ title: 'Pro plan', description: '€10/month', image: 'https://example.com/pro.png',
 *        buttons: [buttons.url('Details', 'https://example.com/pro')] });
 * ```
 */
export function card(options: {
  title?: string;
  description?: string;
  image?: string;
  buttons?: OutboundButton[];
}): OutboundGalleryCard {
  const { image = '', title, description, buttons } = options ?? {};
  const value = { preview: { src: image }, title, description, buttons };
  for (const key of ['title', 'description', 'buttons'] as const) if (value[key] === undefined) delete value[key];
  return checked(outboundChecks.galleryCard, value, 'invalid gallery card');
}

/**
 * A carousel of cards. Card buttons other than URL buttons are disabled unless this is the last message.
 * (The agent app does not draw galleries.)
 *
 * @example
 * ```ts
 * gallery(card({ title: 'Basic' }), card({ title: 'Pro' }));
 * ```
 */
export function gallery(...cards: OutboundGalleryCard[]): GalleryMessageBuilder {
  return create({ type: 'gallery', attributes: { attachment: { type: 'gallery', gallery: clone(cards, 'attributes.attachment.gallery', 3) } } }) as unknown as GalleryMessageBuilder;
}

/**
 * Not drawn: a widget that is open when it arrives navigates to `link` (new tab, host page, or in-widget panel).
 *
 * @example
 * ```ts
 * redirect('https://example.com/checkout', { target: 'parent' });
 * ```
 */
export function redirect(link: string, options: { target?: LinkTarget } = {}): RedirectMessageBuilder {
  return create({ type: 'redirect', metadata: { src: link, ...options } }) as unknown as RedirectMessageBuilder;
}

/**
 * Citation cards for links (`url_preview`). Pass URLs (sent as one per line) or source objects in the widget's
 * JSON form (a string instead of a list is sent as the text as it is); missing titles are fetched by the widget.
 * Text holding no http(s) URL is refused, as is text holding more than 10 distinct ones: the widget would draw an
 * empty bubble, or draw the first 10 and silently drop the rest. Source objects are all drawn, however many.
 *
 * @example
 * ```ts
 * urlPreview(['https://example.com/a', 'https://example.com/b']);
 * ```
 */
export function urlPreview(
  sources: readonly string[] | readonly Json[],
  options?: { displayFields?: OutboundUrlPreviewMessage['displayFields']; backgroundColor?: string },
): UrlPreviewMessageBuilder {
  // Sources that are not a list (a string, a lone source object) are the text as they are: checked as `text`. A circular
  // source is refused by `clone`, not thrown at as JSON.stringify's TypeError.
  const body = !Array.isArray(sources)
    ? sources
    : sources.every((s) => typeof s === 'string')
      ? sources.join('\n')
      : JSON.stringify(clone(sources, 'text'));
  const { displayFields, backgroundColor } = options ?? {};
  const message: Json = { type: 'url_preview', text: body };
  if (displayFields) message['displayFields'] = displayFields;
  if (backgroundColor !== undefined) message['previewBackgroundColor'] = backgroundColor;
  return create(message) as unknown as UrlPreviewMessageBuilder;
}

/**
 * Synthesised speech: the widget plays `src` and highlights `transcript` word by word.
 *
 * @example
 * ```ts
 * tts('https://example.com/answer.mp3', 'Your order has shipped.');
 * ```
 */
export function tts(
  src: string,
  transcript: string,
  options?: { type?: string; voiceSettings?: Json },
): TtsMessageBuilder {
  const { type = 'audio/mpeg', voiceSettings } = options ?? {};
  const metadata: Json = { src, type };
  if (voiceSettings) metadata['voiceSettings'] = clone(voiceSettings, 'metadata.voiceSettings', 2); // frozen with the message: not the caller's object
  return create({ type: 'tts', text: transcript, metadata }) as unknown as TtsMessageBuilder;
}

/**
 * A pause between the parts of a {@link split} message; the widget shows "typing…" meanwhile (not for `wait(0)`).
 * `ms` must be ≥ 0.
 *
 * @example
 * ```ts
 * split(text('Hi'), wait(500), text('How can I help?'));
 * ```
 */
export function wait(ms = 1000): OutboundWaitCommand {
  return checked(outboundChecks.waitCommand, { type: 'wait', time: ms }, 'invalid wait');
}

function isWait(part: unknown): part is OutboundWaitCommand {
  return (part as Json | null | undefined)?.['type'] === 'wait';
}

/**
 * One message shown as a timed sequence. Parts alternate between messages and {@link wait}s (a leading wait is
 * fine); quick replies and action buttons belong on the last part. `text` defaults to the parts' texts, one per
 * line (html parts and parts with a `subtype`, such as `.hidden()` ones, left out), for clients that do not split
 * (change it with `.withText()`).
 *
 * @example
 * ```ts
 * split(text('Hi'), wait(500), text('How can I help?').quickReplies('Sales', 'Support'));
 * ```
 */
export function split(...parts: (MessageBuilder | OutboundCommandMessage | OutboundWaitCommand)[]): SplitMessageBuilder {
  const commands = parts.map((part) => (isWait(part) ? clone(part, 'attributes.commands', 3) : { type: 'message', message: clone({ ...part }, 'attributes.commands', 4) }));
  // Not html parts (markup), nor parts with a subtype (hidden and info/support ones are system lines, private ones the
  // widget drops): the fallback is what end users see, and may become a conversation's first_text.
  const texts = parts.flatMap((part) =>
    !isWait(part) && typeof part?.text === 'string' && part.type !== 'html' && !(part.attributes as Json | undefined)?.['subtype'] ? [part.text] : [],
  );
  return create({ type: 'text', attributes: { commands } }, texts.join('\n') || undefined) as unknown as SplitMessageBuilder;
}

/**
 * Button factories for `.buttons(...)` and gallery cards. Each validates its input and names the bad field.
 *
 * @example
 * ```ts
 * text('How can we help?').buttons(
 *   buttons.url('Docs', 'https://developer.tiledesk.com', { target: 'self' }),
 *   buttons.action('Talk to a human', 'handoff', { showEcho: true }),
 * );
 * ```
 */
export const buttons = {
  /** A quick reply: sends `label` as the user's message. */
  text(label: string): OutboundTextButton {
    return checked(outboundChecks.textButton, { type: 'text', value: label }, 'invalid button');
  },
  /** Opens `link`: `target` `blank` (default: new tab), `parent` (the host page) or `self` (a panel inside the widget). */
  url(label: string, link: string, options: { target?: LinkTarget } = {}): OutboundUrlButton {
    return checked(outboundChecks.urlButton, { type: 'url', value: label, link, ...options }, 'invalid button');
  },
  /** Sends `label` with `attributes.action = action`; without `showEcho` the click is hidden from the chat. */
  action(label: string, action: string, options?: { showEcho?: boolean }): OutboundActionButton {
    const button: Json = { type: 'action', value: label, action };
    if (options?.showEcho !== undefined) button['show_echo'] = options.showEcho;
    return checked(outboundChecks.actionButton, button, 'invalid button');
  },
};
