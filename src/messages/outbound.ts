/**
 * Outbound (strict) schemas: only messages the Tiledesk widget (chat21-web-widget 5.2.x) renders correctly.
 * Every rule (rules.ts) is there because the widget shows nothing, shows something broken, or crashes otherwise;
 * the reason is in the error message the rule produces. Key order in each object mirrors the documented JSON
 * ("Widget protocol specs"): parsed output follows schema order, and the zod-free check of builders and
 * `parseOutboundMessage` (outbound-check.ts, the same schema without zod) rebuilds messages in that order too.
 */
import * as z from 'zod/mini';
import {
  AUDIO_MIME_TYPE,
  CSS_SIZE,
  EMAIL,
  HTTP_URL,
  INFO_MESSAGE_KEYS,
  LINK_TARGETS,
  LINK_URL,
  MIME_TYPE,
  NON_BLANK,
  URL_PREVIEW_TEXT,
  NON_EMPTY_BUTTONS,
  NON_EMPTY_COMMANDS,
  NON_EMPTY_GALLERY,
  NO_COMMANDS,
  NO_REDIRECT_BUTTONS,
  PIXELS,
  SUBTYPES,
  WAIT_TIME,
  checkFileText,
  checkJsonFields,
  checkInfoLabel,
  checkTextMessage,
  type IssuePath,
  type Rule,
} from './rules.js';

export { LINK_TARGETS, INFO_MESSAGE_KEYS } from './rules.js';

/**
 * Builds a schema at module load, marked side-effect free: a bundler drops a top-level `z.strictObject(…)` only when
 * it knows the call is pure, so every top-level definition goes through here and an app importing one schema from
 * `tiledesk-sdk/messages/schemas` (say `InboundMessageSchema`) does not bundle the others.
 */
const pure = /* @__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

// Checks are plain refinements rather than z.regex/z.minLength/z.positive: each of those pulls its own code
// into the browser bundle, a refinement costs nothing more once one is used (see bench/messages/RESULTS.md).
const checked = <S extends z.ZodMiniType>(schema: S, rule: Rule<z.output<S>>): S => schema.check(z.refine(rule.test, rule.message));
const matching = (rule: Rule<string>) => checked(z.string(), rule);
const nonBlank = () => matching(NON_BLANK);
const httpUrl = () => matching(HTTP_URL);
const mimeType = () => matching(MIME_TYPE);
const pixels = () => checked(z.number(), PIXELS);
const cssSize = () => z.union([pixels(), matching(CSS_SIZE)]);
const nonEmpty = <T extends z.core.SomeType>(item: T, rule: Rule<readonly unknown[]>) => z.array(item).check(z.refine(rule.test, rule.message));
/** An object that keeps unknown keys, which must be JSON-serialisable. */
const open = <S extends z.core.$ZodLooseShape>(shape: S) => z.looseObject(shape).check(spanning(checkJsonFields(Object.keys(shape))));
const anyObject = () => open({});
const forbidden = (why: string) => z.optional(z.never({ error: why }));
/** A rule of rules.ts that spans fields, reporting each issue at its path inside the value. */
const spanning = <T extends Record<string, unknown>>(rule: (value: T, report: (path: IssuePath, message: string) => void) => void) =>
  z.superRefine<T>((value, ctx) => rule(value, (path, message) => ctx.addIssue({ code: 'custom', message, path, input: value })));

/**
 * `blank` (default), `parent` or `self`.
 *
 * @example
 * ```ts
 * LinkTargetSchema.safeParse('self').success; // true
 * ```
 */
export const LinkTargetSchema = pure(() => z.literal(LINK_TARGETS));

// ── Buttons ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A quick reply: clicking sends `value` as the user's message. Shown only on the last message.
 *
 * @example
 * ```ts
 * const button = { type: 'text', value: 'Yes' } satisfies OutboundTextButton;
 * ```
 */
export const OutboundTextButtonSchema = pure(() =>
  z.strictObject({
    type: z.literal('text'),
    value: nonBlank(),
  }),
);

/**
 * Opens `link`: `blank` (default) a new tab, `parent` the host page, `self` a panel inside the widget. Always shown.
 *
 * @example
 * ```ts
 * buttons.url('Docs', 'https://developer.tiledesk.com', { target: 'self' }); // validated by this schema
 * ```
 */
export const OutboundUrlButtonSchema = pure(() =>
  z.strictObject({
    type: z.literal('url'),
    value: nonBlank(),
    link: matching(LINK_URL),
    target: z.optional(LinkTargetSchema),
  }),
);

/**
 * Sends `value` with `attributes.action`; with `show_echo` false the click is a hidden info message.
 * Shown only on the last message.
 *
 * @example
 * ```ts
 * buttons.action('Talk to a human', 'handoff', { showEcho: true }); // validated by this schema
 * ```
 */
export const OutboundActionButtonSchema = pure(() =>
  z.strictObject({
    type: z.literal('action'),
    value: nonBlank(),
    action: nonBlank(),
    show_echo: z.optional(z.boolean()),
  }),
);

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
> = pure(() => z.union([OutboundTextButtonSchema, OutboundUrlButtonSchema, OutboundActionButtonSchema]));

const buttonList = () => nonEmpty(OutboundButtonSchema, NON_EMPTY_BUTTONS);

/**
 * `attributes.attachment` of a message with buttons.
 *
 * @example
 * ```ts
 * text('Pick one').quickReplies('Yes').attributes?.attachment; // { type: 'template', buttons: [...] }
 * ```
 */
export const OutboundButtonsAttachmentSchema = pure(() =>
  z.strictObject({
    type: z.literal('template'),
    buttons: buttonList(),
  }),
);

// ── Gallery ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A carousel card. Only `preview.src` is displayed from the preview; `''` shows the "image not available" placeholder.
 *
 * @example
 * ```ts
 * card({ title: 'Pro', image: 'https://example.com/pro.png' }); // validated by this schema
 * ```
 */
export const OutboundGalleryCardSchema = pure(() =>
  z.strictObject({
    preview: z.strictObject({
      // '' is a card without a picture. For a string that is neither, zod 4 reports the URL's refinement (what a URL
      // needs) whichever branch comes first, not that the string is not "".
      src: z.union([httpUrl(), z.literal('')]),
      name: z.optional(z.string()),
      width: z.optional(pixels()),
      height: z.optional(pixels()),
      type: z.optional(mimeType()),
    }),
    title: z.optional(z.string()),
    description: z.optional(z.string()),
    buttons: z.optional(buttonList()),
  }),
);

/**
 * `attributes.attachment` of a gallery message.
 *
 * @example
 * ```ts
 * gallery(card({ title: 'A' })).attributes.attachment; // { type: 'gallery', gallery: [...] }
 * ```
 */
export const OutboundGalleryAttachmentSchema = pure(() =>
  z.strictObject({
    type: z.literal('gallery'),
    gallery: nonEmpty(OutboundGalleryCardSchema, NON_EMPTY_GALLERY),
  }),
);

// ── Attributes ─────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `attributes.messagelabel`: the key the widget translates an info message with.
 *
 * @example
 * ```ts
 * { key: 'MEMBER_JOINED_GROUP', parameters: { member_id: 'u1', fullname: 'Ann' } }
 * ```
 */
export const OutboundMessageLabelSchema = pure(() =>
  z
    .strictObject({
      key: z.literal(INFO_MESSAGE_KEYS),
      parameters: z.optional(anyObject()),
    })
    .check(spanning(checkInfoLabel)),
);

/**
 * `attributes` stay open (custom keys pass through: bots and dashboards store their own data there, and the
 * widget ignores what it does not read; each must be JSON-serialisable); the keys the widget does read are typed.
 */
function attributesSchema<A extends z.core.SomeType, C extends z.core.SomeType>(attachment: A, commands: C) {
  return open({
    disableInputMessage: z.optional(z.boolean()),
    inputMessagePlaceholder: z.optional(z.string()),
    attachment,
    commands,
    subtype: z.optional(z.literal(SUBTYPES)),
    action: z.optional(nonBlank()),
    updateUserEmail: z.optional(matching(EMAIL)),
    updateUserFullname: z.optional(nonBlank()),
    messagelabel: z.optional(OutboundMessageLabelSchema),
    flowAttributes: z.optional(anyObject()),
    // Set by the widget and the server, read by the widget and typed by the inbound schema: a message with any other
    // type would come back from `parseInboundMessage`/`classify` as invalid.
    parentUid: z.optional(z.string()),
    tempUID: z.optional(z.string()),
    sourcePage: z.optional(z.string()),
    sourceTitle: z.optional(z.string()),
    updateconversation: z.optional(z.boolean()),
    type: z.optional(z.string()),
  });
}

const noCommands = () => forbidden(NO_COMMANDS);
const withButtons = () => z.optional(OutboundButtonsAttachmentSchema);
const buttonAttributes = () => z.optional(attributesSchema(withButtons(), noCommands()));

// ── Commands (split messages) ──────────────────────────────────────────────────────────────────────────────

/**
 * Pause before the next command; the widget shows "typing…" for `time` ms (nothing for 0).
 *
 * @example
 * ```ts
 * wait(500); // { type: 'wait', time: 500 }
 * ```
 */
export const OutboundWaitCommandSchema = pure(() =>
  z.strictObject({
    type: z.literal('wait'),
    time: checked(z.number(), WAIT_TIME),
  }),
);

// ── Messages ───────────────────────────────────────────────────────────────────────────────────────────────

const sender = () => ({ senderFullname: z.optional(nonBlank()), language: z.optional(nonBlank()) });

/**
 * An image; `metadata.src` is required, `width`/`height` scale it (130–230 px wide).
 *
 * @example
 * ```ts
 * image('https://example.com/a.png', { width: 200 }); // validated by this schema
 * ```
 */
export const OutboundImageMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('image'),
    text: z.optional(z.string()),
    ...sender(),
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
    attributes: buttonAttributes(),
  }),
);

/**
 * A file. `metadata.type` is required: the widget calls `metadata.type.includes('audio')` on every file
 * message and crashes without it. An audio MIME type makes it an audio player.
 *
 * @example
 * ```ts
 * file('https://example.com/a.pdf', { type: 'application/pdf' }); // validated by this schema
 * ```
 */
export const OutboundFileMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('file'),
    text: z.optional(z.string()),
    ...sender(),
    metadata: z.strictObject({
      name: z.optional(z.string()),
      src: httpUrl(),
      type: mimeType(),
      uid: z.optional(z.string()),
      size: z.optional(z.number()),
      downloadURL: z.optional(httpUrl()),
    }),
    attributes: buttonAttributes(),
  }).check(spanning(checkFileText)),
);

/**
 * Content in a sandboxed iframe; `width`/`height` in pixels or as `"100%"`.
 *
 * @example
 * ```ts
 * frame('https://www.youtube.com/embed/H1WfFkp4puw'); // validated by this schema
 * ```
 */
export const OutboundFrameMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('frame'),
    text: z.optional(z.string()),
    ...sender(),
    metadata: z.strictObject({
      src: httpUrl(),
      width: z.optional(cssSize()),
      height: z.optional(cssSize()),
      type: z.optional(z.literal('frame')),
    }),
    attributes: buttonAttributes(),
  }),
);

/**
 * Untrusted markup: today's widget shows it as plain text, the agent app (chat21-ionic) injects it raw.
 *
 * @example
 * ```ts
 * html('<p>Hi</p>'); // validated by this schema
 * ```
 */
export const OutboundHtmlMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('html'),
    text: nonBlank(),
    ...sender(),
    attributes: buttonAttributes(),
  }),
);

/**
 * A carousel of cards (not drawn by the agent app).
 *
 * @example
 * ```ts
 * gallery(card({ title: 'A' }), card({ title: 'B' })); // validated by this schema
 * ```
 */
export const OutboundGalleryMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('gallery'),
    text: z.optional(z.string()),
    ...sender(),
    attributes: attributesSchema(OutboundGalleryAttachmentSchema, noCommands()),
  }),
);

/**
 * Not drawn: a live widget opens `metadata.src` as soon as the message arrives (history replays do not).
 *
 * @example
 * ```ts
 * redirect('https://example.com/pay', { target: 'parent' }); // validated by this schema
 * ```
 */
export const OutboundRedirectMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('redirect'),
    text: z.optional(z.string()),
    ...sender(),
    metadata: z.strictObject({
      src: httpUrl(),
      target: z.optional(LinkTargetSchema),
      type: z.optional(z.literal('redirect')),
    }),
    attributes: z.optional(attributesSchema(forbidden(NO_REDIRECT_BUTTONS), noCommands())),
  }),
);

/**
 * Citation cards: `text` is a JSON array of sources (all drawn) or free text with 1 to 10 distinct URLs (the widget
 * draws the first 10 and drops the rest, so more are refused).
 *
 * @example
 * ```ts
 * urlPreview(['https://example.com/a']); // validated by this schema
 * ```
 */
export const OutboundUrlPreviewMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('url_preview'),
    text: matching(URL_PREVIEW_TEXT),
    ...sender(),
    displayFields: z.optional(
      z.strictObject({
        title: z.optional(z.boolean()),
        description: z.optional(z.boolean()),
        image: z.optional(z.boolean()),
        source: z.optional(z.boolean()),
      }),
    ),
    previewBackgroundColor: z.optional(z.string()),
    attributes: buttonAttributes(),
  }),
);

/**
 * Spoken audio with its transcript in `text`; `metadata.type` must be an audio MIME type or the widget
 * crashes or ignores it.
 *
 * @example
 * ```ts
 * tts('https://example.com/a.mp3', 'Hello'); // validated by this schema
 * ```
 */
export const OutboundTtsMessageSchema = pure(() =>
  z.strictObject({
    type: z.literal('tts'),
    text: nonBlank(),
    ...sender(),
    metadata: z.strictObject({
      src: httpUrl(),
      type: matching(AUDIO_MIME_TYPE),
      voiceSettings: z.optional(anyObject()),
    }),
    attributes: buttonAttributes(),
  }),
);

/** The text message inside a `message` command: no nested commands; key order as in the documented split example. */
const CommandTextMessageSchema = pure(() =>
  z.strictObject({
    text: nonBlank(),
    type: z.optional(z.literal('text')),
    ...sender(),
    metadata: z.optional(z.strictObject({ button: z.optional(z.boolean()) })),
    attributes: buttonAttributes(),
  }),
);

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
> = pure(() =>
  z.union([
    CommandTextMessageSchema,
    OutboundImageMessageSchema,
    OutboundFileMessageSchema,
    OutboundFrameMessageSchema,
    OutboundHtmlMessageSchema,
    OutboundGalleryMessageSchema,
    OutboundRedirectMessageSchema,
    OutboundUrlPreviewMessageSchema,
    OutboundTtsMessageSchema,
  ]),
);

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
> = pure(() =>
  z.strictObject({
    type: z.literal('message'),
    message: OutboundCommandMessageSchema,
  }),
);

/**
 * One entry of `attributes.commands`: a part or a wait.
 *
 * @example
 * ```ts
 * split(text('Hi'), wait(500), text('Bye')).attributes?.commands; // [message, wait, message]
 * ```
 */
export const OutboundCommandSchema: z.ZodMiniUnion<[typeof OutboundMessageCommandSchema, typeof OutboundWaitCommandSchema]> =
  pure(() => z.union([OutboundMessageCommandSchema, OutboundWaitCommandSchema]));

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
export const OutboundTextMessageSchema = pure(() =>
  z
    .strictObject({
      type: z.optional(z.literal('text')),
      text: z.optional(z.string()),
      ...sender(),
      metadata: z.optional(z.strictObject({ button: z.optional(z.boolean()) })),
      attributes: z.optional(attributesSchema(withButtons(), z.optional(nonEmpty(OutboundCommandSchema, NON_EMPTY_COMMANDS)))),
    })
    .check(spanning(checkTextMessage)),
);

/**
 * A message body ready for `POST /{project}/requests/{id}/messages` or an external chatbot's webhook reply,
 * accepted only if the widget renders it correctly. Unknown top-level keys are rejected: the server drops them.
 * Run it with {@link safeParseWith} for errors with readable messages and paths; `parseOutboundMessage` of
 * `tiledesk-sdk/messages` gives the same answers without zod.
 *
 * @example
 * ```ts
 * const result = safeParseWith(OutboundMessageSchema, body, 'invalid reply'); // or OutboundMessageSchema.safeParse(body)
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
> = pure(() =>
  z.union([
    OutboundTextMessageSchema,
    OutboundImageMessageSchema,
    OutboundFileMessageSchema,
    OutboundFrameMessageSchema,
    OutboundHtmlMessageSchema,
    OutboundGalleryMessageSchema,
    OutboundRedirectMessageSchema,
    OutboundUrlPreviewMessageSchema,
    OutboundTtsMessageSchema,
  ]),
);

export type LinkTarget = z.output<typeof LinkTargetSchema>;
export type OutboundButton = z.output<typeof OutboundButtonSchema>;
export interface OutboundTextButton extends z.output<typeof OutboundTextButtonSchema> {}
export interface OutboundUrlButton extends z.output<typeof OutboundUrlButtonSchema> {}
export interface OutboundActionButton extends z.output<typeof OutboundActionButtonSchema> {}
export interface OutboundGalleryCard extends z.output<typeof OutboundGalleryCardSchema> {}
export type OutboundCommand = z.output<typeof OutboundCommandSchema>;
export interface OutboundWaitCommand extends z.output<typeof OutboundWaitCommandSchema> {}
export interface OutboundMessageCommand extends z.output<typeof OutboundMessageCommandSchema> {}
export type OutboundCommandMessage = z.output<typeof OutboundCommandMessageSchema>;
export type OutboundMessage = z.output<typeof OutboundMessageSchema>;
export interface OutboundTextMessage extends z.output<typeof OutboundTextMessageSchema> {}
export interface OutboundImageMessage extends z.output<typeof OutboundImageMessageSchema> {}
export interface OutboundFileMessage extends z.output<typeof OutboundFileMessageSchema> {}
export interface OutboundFrameMessage extends z.output<typeof OutboundFrameMessageSchema> {}
export interface OutboundHtmlMessage extends z.output<typeof OutboundHtmlMessageSchema> {}
export interface OutboundGalleryMessage extends z.output<typeof OutboundGalleryMessageSchema> {}
export interface OutboundRedirectMessage extends z.output<typeof OutboundRedirectMessageSchema> {}
export interface OutboundUrlPreviewMessage extends z.output<typeof OutboundUrlPreviewMessageSchema> {}
export interface OutboundTtsMessage extends z.output<typeof OutboundTtsMessageSchema> {}
