/**
 * Outbound (strict) schemas: only messages the Tiledesk widget (chat21-web-widget 5.2.x) renders correctly.
 * Every rule below is there because the widget shows nothing, shows something broken, or crashes otherwise;
 * the reason is in the error message the rule produces. Key order in each object mirrors the documented JSON
 * ("Widget protocol specs"), because parsed output follows schema order and builders return parsed output.
 */
import * as z from 'zod/mini';

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

// Absolute http(s) only: the widget hands these to <img>/<iframe>/window.open as they are, so a bare
// "www.example.com" resolves against the host page and `javascript:` in an iframe would run in the widget.
const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const LINK_URL = /^(?:https?:\/\/[^\s/?#]+|mailto:|tel:)[^\s]*$/i;
const MIME_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;.*)?$/;
const AUDIO_MIME = /^audio\//i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CSS_SIZE = /^\d+(?:\.\d+)?(?:px|%)?$/;

// Checks are plain refinements rather than z.regex/z.minLength/z.positive: each of those pulls its own code
// into the browser bundle, a refinement costs nothing more once one is used (see bench/messages/RESULTS.md).
const matching = (pattern: RegExp, message: string) => z.string().check(z.refine((s) => pattern.test(s), message));
const nonBlank = () => z.string().check(z.refine((s) => s.trim() !== '', 'must not be blank'));
const httpUrl = () => matching(HTTP_URL, 'must be an absolute http(s) URL');
const mimeType = () => matching(MIME_TYPE, 'must be a MIME type such as "application/pdf"');
const pixels = () => z.number().check(z.refine((n) => n > 0, 'must be > 0'));
const cssSize = () => z.union([pixels(), matching(CSS_SIZE, 'must be pixels or a percentage such as "100%"')]);
const nonEmpty = <T extends z.core.SomeType>(item: T, message: string) =>
  z.array(item).check(z.refine((list) => list.length > 0, message));
const anyObject = () => z.looseObject({});
const forbidden = (why: string) => z.optional(z.never({ error: why }));

/**
 * `blank` (default), `parent` or `self`.
 *
 * @example
 * ```ts
 * LinkTargetSchema.safeParse('self').success; // true
 * ```
 */
export const LinkTargetSchema = z.literal(LINK_TARGETS);

// ── Buttons ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A quick reply: clicking sends `value` as the user's message. Shown only on the last message.
 *
 * @example
 * ```ts
 * const button = { type: 'text', value: 'Yes' } satisfies OutboundTextButton;
 * ```
 */
export const OutboundTextButtonSchema = z.strictObject({
  type: z.literal('text'),
  value: nonBlank(),
});

/**
 * Opens `link`: `blank` (default) a new tab, `parent` the host page, `self` a panel inside the widget. Always shown.
 *
 * @example
 * ```ts
 * buttons.url('Docs', 'https://developer.tiledesk.com', { target: 'self' }); // validated by this schema
 * ```
 */
export const OutboundUrlButtonSchema = z.strictObject({
  type: z.literal('url'),
  value: nonBlank(),
  link: matching(LINK_URL, 'must be an absolute http(s), mailto: or tel: URL'),
  target: z.optional(LinkTargetSchema),
});

/**
 * Sends `value` with `attributes.action`; with `show_echo` false the click is a hidden info message.
 * Shown only on the last message.
 *
 * @example
 * ```ts
 * buttons.action('Talk to a human', 'handoff', { showEcho: true }); // validated by this schema
 * ```
 */
export const OutboundActionButtonSchema = z.strictObject({
  type: z.literal('action'),
  value: nonBlank(),
  action: nonBlank(),
  show_echo: z.optional(z.boolean()),
});

/**
 * Any button the widget draws under a message or on a gallery card.
 *
 * @example
 * ```ts
 * const myReply = z.object({ buttons: z.array(OutboundButtonSchema) }); // reuse in your own schema
 * ```
 */
export const OutboundButtonSchema: z.ZodMiniUnion<
  [typeof OutboundTextButtonSchema, typeof OutboundUrlButtonSchema, typeof OutboundActionButtonSchema]
> = z.union([
  OutboundTextButtonSchema,
  OutboundUrlButtonSchema,
  OutboundActionButtonSchema,
]);

const buttonList = () => nonEmpty(OutboundButtonSchema, 'must contain at least one button (the widget would draw an empty row)');

/**
 * `attributes.attachment` of a message with buttons.
 *
 * @example
 * ```ts
 * text('Pick one').quickReplies('Yes').attributes?.attachment; // { type: 'template', buttons: [...] }
 * ```
 */
export const OutboundButtonsAttachmentSchema = z.strictObject({
  type: z.literal('template'),
  buttons: buttonList(),
});

// ── Gallery ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A carousel card. Only `preview.src` is displayed from the preview; `''` shows the "image not available" placeholder.
 *
 * @example
 * ```ts
 * card({ title: 'Pro', image: 'https://example.com/pro.png' }); // validated by this schema
 * ```
 */
export const OutboundGalleryCardSchema = z.strictObject({
  preview: z.strictObject({
    src: z.union([z.literal(''), httpUrl()]),
    name: z.optional(z.string()),
    width: z.optional(pixels()),
    height: z.optional(pixels()),
    type: z.optional(mimeType()),
  }),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  buttons: z.optional(buttonList()),
});

/**
 * `attributes.attachment` of a gallery message.
 *
 * @example
 * ```ts
 * gallery(card({ title: 'A' })).attributes.attachment; // { type: 'gallery', gallery: [...] }
 * ```
 */
export const OutboundGalleryAttachmentSchema = z.strictObject({
  type: z.literal('gallery'),
  gallery: nonEmpty(OutboundGalleryCardSchema, 'must contain at least one card'),
});

// ── Attributes ─────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `attributes.messagelabel`: the key the widget translates an info message with.
 *
 * @example
 * ```ts
 * { key: 'MEMBER_JOINED_GROUP', parameters: { member_id: 'u1', fullname: 'Ann' } }
 * ```
 */
export const OutboundMessageLabelSchema = z.strictObject({
  key: z.literal(INFO_MESSAGE_KEYS),
  parameters: z.optional(anyObject()),
});

/**
 * `attributes` stay open (custom keys pass through: bots and dashboards store their own data there, and the
 * widget ignores what it does not read); the keys the widget does read are typed.
 */
function attributesSchema<A extends z.core.SomeType, C extends z.core.SomeType>(attachment: A, commands: C) {
  return z.looseObject({
    disableInputMessage: z.optional(z.boolean()),
    inputMessagePlaceholder: z.optional(z.string()),
    attachment,
    commands,
    subtype: z.optional(z.literal(['info', 'info/support', 'private'])),
    action: z.optional(nonBlank()),
    updateUserEmail: z.optional(matching(EMAIL, 'must be an email address')),
    updateUserFullname: z.optional(nonBlank()),
    messagelabel: z.optional(OutboundMessageLabelSchema),
    flowAttributes: z.optional(anyObject()),
  });
}

const noCommands = forbidden('only a top-level text message can carry commands (use split())');
const withButtons = z.optional(OutboundButtonsAttachmentSchema);
const buttonAttributes = z.optional(attributesSchema(withButtons, noCommands));

// ── Commands (split messages) ──────────────────────────────────────────────────────────────────────────────

/**
 * Pause before the next command; the widget shows "typing…" for `time` ms.
 *
 * @example
 * ```ts
 * wait(500); // { type: 'wait', time: 500 }
 * ```
 */
export const OutboundWaitCommandSchema = z.strictObject({
  type: z.literal('wait'),
  time: z.number().check(z.refine((ms) => ms >= 0, 'must be ≥ 0')),
});

// ── Messages ───────────────────────────────────────────────────────────────────────────────────────────────

const sender = { senderFullname: z.optional(nonBlank()), language: z.optional(nonBlank()) };

/**
 * An image; `metadata.src` is required, `width`/`height` scale it (130–230 px wide).
 *
 * @example
 * ```ts
 * image('https://example.com/a.png', { width: 200 }); // validated by this schema
 * ```
 */
export const OutboundImageMessageSchema = z.strictObject({
  type: z.literal('image'),
  text: z.optional(z.string()),
  ...sender,
  metadata: z.strictObject({
    src: httpUrl(),
    width: z.optional(pixels()),
    height: z.optional(pixels()),
    name: z.optional(z.string()),
    type: z.optional(mimeType()),
    uid: z.optional(z.string()),
    size: z.optional(z.number()),
    downloadURL: z.optional(httpUrl()),
  }),
  attributes: buttonAttributes,
});

/**
 * A file. `metadata.type` is required: the widget calls `metadata.type.includes('audio')` on every file
 * message and crashes without it. An audio MIME type makes it an audio player.
 *
 * @example
 * ```ts
 * file('https://example.com/a.pdf', { type: 'application/pdf' }); // validated by this schema
 * ```
 */
export const OutboundFileMessageSchema = z.strictObject({
  type: z.literal('file'),
  text: z.optional(z.string()),
  ...sender,
  metadata: z.strictObject({
    name: z.optional(z.string()),
    src: httpUrl(),
    type: mimeType(),
    uid: z.optional(z.string()),
    size: z.optional(z.number()),
    downloadURL: z.optional(httpUrl()),
  }),
  attributes: buttonAttributes,
});

/**
 * Content in a sandboxed iframe; `width`/`height` in pixels or as `"100%"`.
 *
 * @example
 * ```ts
 * frame('https://www.youtube.com/embed/H1WfFkp4puw'); // validated by this schema
 * ```
 */
export const OutboundFrameMessageSchema = z.strictObject({
  type: z.literal('frame'),
  text: z.optional(z.string()),
  ...sender,
  metadata: z.strictObject({
    src: httpUrl(),
    width: z.optional(cssSize()),
    height: z.optional(cssSize()),
    type: z.optional(z.literal('frame')),
  }),
  attributes: buttonAttributes,
});

/**
 * Untrusted markup: today's widget shows it as plain text, the agent app (chat21-ionic) injects it raw.
 *
 * @example
 * ```ts
 * html('<p>Hi</p>'); // validated by this schema
 * ```
 */
export const OutboundHtmlMessageSchema = z.strictObject({
  type: z.literal('html'),
  text: nonBlank(),
  ...sender,
  attributes: buttonAttributes,
});

/**
 * A carousel of cards (not drawn by the agent app).
 *
 * @example
 * ```ts
 * gallery(card({ title: 'A' }), card({ title: 'B' })); // validated by this schema
 * ```
 */
export const OutboundGalleryMessageSchema = z.strictObject({
  type: z.literal('gallery'),
  text: z.optional(z.string()),
  ...sender,
  attributes: attributesSchema(OutboundGalleryAttachmentSchema, noCommands),
});

/**
 * Not drawn: a live widget opens `metadata.src` as soon as the message arrives (history replays do not).
 *
 * @example
 * ```ts
 * redirect('https://example.com/pay', { target: 'parent' }); // validated by this schema
 * ```
 */
export const OutboundRedirectMessageSchema = z.strictObject({
  type: z.literal('redirect'),
  text: z.optional(z.string()),
  ...sender,
  metadata: z.strictObject({
    src: httpUrl(),
    target: z.optional(LinkTargetSchema),
    type: z.optional(z.literal('redirect')),
  }),
  attributes: z.optional(attributesSchema(forbidden('a redirect is not drawn, so its buttons would never show'), noCommands)),
});

/**
 * Citation cards: `text` is a JSON array of sources or free text with up to 10 URLs.
 *
 * @example
 * ```ts
 * urlPreview(['https://example.com/a']); // validated by this schema
 * ```
 */
export const OutboundUrlPreviewMessageSchema = z.strictObject({
  type: z.literal('url_preview'),
  text: nonBlank(),
  ...sender,
  displayFields: z.optional(
    z.strictObject({
      title: z.optional(z.boolean()),
      description: z.optional(z.boolean()),
      image: z.optional(z.boolean()),
      source: z.optional(z.boolean()),
    }),
  ),
  previewBackgroundColor: z.optional(z.string()),
  attributes: buttonAttributes,
});

/**
 * Spoken audio with its transcript in `text`; `metadata.type` must be an audio MIME type or the widget
 * crashes or ignores it.
 *
 * @example
 * ```ts
 * tts('https://example.com/a.mp3', 'Hello'); // validated by this schema
 * ```
 */
export const OutboundTtsMessageSchema = z.strictObject({
  type: z.literal('tts'),
  text: nonBlank(),
  ...sender,
  metadata: z.strictObject({
    src: httpUrl(),
    type: matching(AUDIO_MIME, 'must be an audio MIME type such as "audio/mpeg"'),
    voiceSettings: z.optional(anyObject()),
  }),
  attributes: buttonAttributes,
});

/** The text message inside a `message` command: no nested commands; key order as in the documented split example. */
const CommandTextMessageSchema = z.strictObject({
  text: nonBlank(),
  type: z.optional(z.literal('text')),
  ...sender,
  metadata: z.optional(z.strictObject({ button: z.optional(z.boolean()) })),
  attributes: buttonAttributes,
});

/**
 * Any message that can appear inside a `message` command (no nested commands).
 *
 * @example
 * ```ts
 * split(text('Hi'), wait(500), image('https://example.com/a.png')); // each part is checked by this schema
 * ```
 */
export const OutboundCommandMessageSchema: z.ZodMiniUnion<
  [
    typeof CommandTextMessageSchema,
    typeof OutboundImageMessageSchema,
    typeof OutboundFileMessageSchema,
    typeof OutboundFrameMessageSchema,
    typeof OutboundHtmlMessageSchema,
    typeof OutboundGalleryMessageSchema,
    typeof OutboundRedirectMessageSchema,
    typeof OutboundUrlPreviewMessageSchema,
    typeof OutboundTtsMessageSchema,
  ]
> = z.union([
  CommandTextMessageSchema,
  OutboundImageMessageSchema,
  OutboundFileMessageSchema,
  OutboundFrameMessageSchema,
  OutboundHtmlMessageSchema,
  OutboundGalleryMessageSchema,
  OutboundRedirectMessageSchema,
  OutboundUrlPreviewMessageSchema,
  OutboundTtsMessageSchema,
]);

/**
 * A `message` command: one part of a split message.
 *
 * @example
 * ```ts
 * { type: 'message', message: { text: 'Hi', type: 'text' } }
 * ```
 */
export const OutboundMessageCommandSchema: z.ZodMiniObject<
  { type: z.ZodMiniLiteral<'message'>; message: typeof OutboundCommandMessageSchema },
  z.core.$strict
> = z.strictObject({
  type: z.literal('message'),
  message: OutboundCommandMessageSchema,
});

/**
 * One entry of `attributes.commands`: a part or a wait.
 *
 * @example
 * ```ts
 * split(text('Hi'), wait(500), text('Bye')).attributes?.commands; // [message, wait, message]
 * ```
 */
export const OutboundCommandSchema: z.ZodMiniUnion<[typeof OutboundMessageCommandSchema, typeof OutboundWaitCommandSchema]> =
  z.union([OutboundMessageCommandSchema, OutboundWaitCommandSchema]);

const commandList = nonEmpty(OutboundCommandSchema, 'must contain at least one message command');

type Path = (string | number)[];
interface IssueSink {
  addIssue(issue: { code: 'custom'; message: string; path: Path; input: unknown }): void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rules that span fields of a text message. The widget reads `commands[i-2].message.timestamp` for every
 * message command, so anything but strict message/wait alternation (a leading wait is fine) throws inside it.
 */
function checkTextMessage(message: Record<string, unknown>, sink: IssueSink): void {
  const attributes = isRecord(message['attributes']) ? message['attributes'] : {};
  const commands = attributes['commands'];
  const report = (path: Path, text: string) => sink.addIssue({ code: 'custom', message: text, path, input: message });
  if (commands === undefined) {
    if (typeof message['text'] !== 'string' || message['text'].trim() === '') {
      report(['text'], 'is required: the widget shows nothing for a text message without text');
    }
    return;
  }
  if (!Array.isArray(commands)) return;
  if (attributes['attachment'] !== undefined) {
    report(['attributes', 'attachment'], 'a split message is shown only through its commands: put the buttons on the last message command');
  }
  const kinds = commands.map((command) => (isRecord(command) ? command['type'] : undefined));
  kinds.forEach((kind, i) => {
    if (i === 0 || kind !== kinds[i - 1]) return;
    if (kind === 'wait') report(['attributes', 'commands', i], 'two waits in a row crash the widget: merge them into one wait');
    if (kind === 'message') report(['attributes', 'commands', i], 'two messages in a row: put a wait between them (the widget times each message from the one two places before)');
  });
  if (commands.length > 0 && !kinds.includes('message')) report(['attributes', 'commands'], 'must contain at least one message command');
  const lastMessage = kinds.lastIndexOf('message');
  commands.forEach((command, i) => {
    if (i === lastMessage || !isRecord(command) || !isRecord(command['message'])) return;
    const inner = command['message']['attributes'];
    const attachment = isRecord(inner) ? inner['attachment'] : undefined;
    const list = isRecord(attachment) ? attachment['buttons'] : undefined;
    if (!Array.isArray(list)) return;
    list.forEach((button, j) => {
      if (isRecord(button) && (button['type'] === 'text' || button['type'] === 'action')) {
        report(
          ['attributes', 'commands', i, 'message', 'attributes', 'attachment', 'buttons', j],
          'quick-reply and action buttons show only on the last message: move this button to the last message command',
        );
      }
    });
  });
}

/**
 * A text message (markdown), possibly split into timed `commands`; `type` may be omitted (it defaults to `"text"`).
 * Also checks the rules across fields: text required unless split, strict message/wait alternation, quick replies
 * and action buttons only on the last part.
 *
 * @example
 * ```ts
 * text('Hello'); split(text('Hi'), wait(500), text('Bye')); // both validated by this schema
 * ```
 */
export const OutboundTextMessageSchema = z
  .strictObject({
    type: z.optional(z.literal('text')),
    text: z.optional(z.string()),
    ...sender,
    metadata: z.optional(z.strictObject({ button: z.optional(z.boolean()) })),
    attributes: z.optional(attributesSchema(withButtons, z.optional(commandList))),
  })
  .check(z.superRefine((message, ctx) => checkTextMessage(message as Record<string, unknown>, ctx)));

/**
 * A message body ready for `POST /{project}/requests/{id}/messages` or an external chatbot's webhook reply,
 * accepted only if the widget renders it correctly. Unknown top-level keys are rejected: the server drops them.
 * Use {@link parseOutboundMessage} for errors with readable messages and paths.
 *
 * @example
 * ```ts
 * const result = OutboundMessageSchema.safeParse(body); // or parseOutboundMessage(body)
 * ```
 */
export const OutboundMessageSchema: z.ZodMiniUnion<
  [
    typeof OutboundTextMessageSchema,
    typeof OutboundImageMessageSchema,
    typeof OutboundFileMessageSchema,
    typeof OutboundFrameMessageSchema,
    typeof OutboundHtmlMessageSchema,
    typeof OutboundGalleryMessageSchema,
    typeof OutboundRedirectMessageSchema,
    typeof OutboundUrlPreviewMessageSchema,
    typeof OutboundTtsMessageSchema,
  ]
> = z.union([
  OutboundTextMessageSchema,
  OutboundImageMessageSchema,
  OutboundFileMessageSchema,
  OutboundFrameMessageSchema,
  OutboundHtmlMessageSchema,
  OutboundGalleryMessageSchema,
  OutboundRedirectMessageSchema,
  OutboundUrlPreviewMessageSchema,
  OutboundTtsMessageSchema,
]);

export type LinkTarget = z.output<typeof LinkTargetSchema>;
export type OutboundButton = z.output<typeof OutboundButtonSchema>;
export type OutboundTextButton = z.output<typeof OutboundTextButtonSchema>;
export type OutboundUrlButton = z.output<typeof OutboundUrlButtonSchema>;
export type OutboundActionButton = z.output<typeof OutboundActionButtonSchema>;
export type OutboundGalleryCard = z.output<typeof OutboundGalleryCardSchema>;
export type OutboundCommand = z.output<typeof OutboundCommandSchema>;
export type OutboundWaitCommand = z.output<typeof OutboundWaitCommandSchema>;
export type OutboundMessageCommand = z.output<typeof OutboundMessageCommandSchema>;
export type OutboundCommandMessage = z.output<typeof OutboundCommandMessageSchema>;
export type OutboundMessage = z.output<typeof OutboundMessageSchema>;
export type OutboundTextMessage = z.output<typeof OutboundTextMessageSchema>;
export type OutboundImageMessage = z.output<typeof OutboundImageMessageSchema>;
export type OutboundFileMessage = z.output<typeof OutboundFileMessageSchema>;
export type OutboundFrameMessage = z.output<typeof OutboundFrameMessageSchema>;
export type OutboundHtmlMessage = z.output<typeof OutboundHtmlMessageSchema>;
export type OutboundGalleryMessage = z.output<typeof OutboundGalleryMessageSchema>;
export type OutboundRedirectMessage = z.output<typeof OutboundRedirectMessageSchema>;
export type OutboundUrlPreviewMessage = z.output<typeof OutboundUrlPreviewMessageSchema>;
export type OutboundTtsMessage = z.output<typeof OutboundTtsMessageSchema>;
