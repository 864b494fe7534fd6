/**
 * Inbound (lenient) schemas: what real senders produce and the server relays. Every object keeps unknown
 * fields, every optional field also accepts `null`, and field types are widened to what has been observed
 * (tybot's button `attributes: ""`, frame `width: "100%"`, voice `settings` commands, `json_buttons` strings,
 * status as a string, …). Parsing returns the same data it was given, so nothing a sender put there is lost.
 */
import * as z from 'zod/mini';

/** Builds a schema at module load, marked side-effect free: see `pure` in outbound.ts for why. */
const pure = /* @__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

const maybe = <T extends z.core.SomeType>(schema: T) => z.optional(z.nullable(schema));
const str = () => maybe(z.string());
const numberOrString = () => maybe(z.union([z.number(), z.string()]));
const record = () => maybe(z.looseObject({}));

/**
 * A button as senders write it (tybot adds `uid`, `alias`, `attributes: ""`, empty `link`s).
 *
 * @example
 * ```ts
 * parseInboundMessage(doc).attributes?.attachment?.buttons?.map((b) => b.value);
 * ```
 */
export const InboundButtonSchema = pure(() =>
  z.looseObject({
    type: str(),
    value: str(),
    link: str(),
    target: str(),
    action: str(),
    show_echo: maybe(z.boolean()),
    alias: str(),
    uid: str(),
    attributes: z.optional(z.unknown()),
  }),
);

/**
 * `metadata` of any message: media fields (`width` may be `"100%"`), redirect `target`, quick-reply echo `button`.
 *
 * @example
 * ```ts
 * const { src, type } = parseInboundMessage(doc).metadata ?? {};
 * ```
 */
export const InboundMetadataSchema = pure(() =>
  z.looseObject({
    src: str(),
    name: str(),
    type: str(),
    width: numberOrString(),
    height: numberOrString(),
    size: numberOrString(),
    uid: str(),
    downloadURL: str(),
    target: str(),
    button: maybe(z.boolean()),
    voiceSettings: z.optional(z.unknown()),
    displayFields: z.optional(z.unknown()),
    previewBackgroundColor: str(),
  }),
);

/**
 * A gallery card as senders write it.
 *
 * @example
 * ```ts
 * parseInboundMessage(doc).attributes?.attachment?.gallery?.[0]?.title;
 * ```
 */
export const InboundGalleryCardSchema = pure(() =>
  z.looseObject({
    preview: maybe(InboundMetadataSchema),
    title: str(),
    description: str(),
    buttons: maybe(z.array(InboundButtonSchema)),
  }),
);

/**
 * `attributes.attachment`, including tybot's unrendered `json_buttons`/`json_gallery` strings.
 *
 * @example
 * ```ts
 * parseInboundMessage(doc).attributes?.attachment?.json_buttons; // string | null | undefined
 * ```
 */
export const InboundAttachmentSchema = pure(() =>
  z.looseObject({
    type: str(),
    buttons: maybe(z.array(InboundButtonSchema)),
    gallery: maybe(z.array(InboundGalleryCardSchema)),
    json_buttons: str(),
    json_gallery: str(),
  }),
);

/**
 * `attributes.messagelabel` of a system info message.
 *
 * @example
 * ```ts
 * parseInboundMessage(doc).attributes?.messagelabel?.key; // e.g. 'CHAT_CLOSED'
 * ```
 */
export const InboundMessageLabelSchema = pure(() =>
  z.looseObject({
    key: str(),
    parameters: record(),
  }),
);

/**
 * `commands: ''` or `0` (or `NaN`): falsy, so the widget reads no commands. Anything truthy fails here as a wrong type
 * that stops the branch (`continue: false`), as the array branch fails on a non-array: zod's union and the error
 * formatting (errors.ts) then report `commands: "x"` as the array branch does ("must be an array").
 */
const noCommands = () =>
  z.unknown().check(
    z.superRefine((value, ctx) => {
      if (value) ctx.addIssue({ code: 'invalid_type', expected: 'array', continue: false });
    }),
  ) as z.ZodMiniType<'' | 0>;

function attributesSchema<C extends z.core.SomeType>(commands: C) {
  return z.looseObject({
    subtype: str(),
    messagelabel: maybe(InboundMessageLabelSchema),
    attachment: maybe(InboundAttachmentSchema),
    commands,
    disableInputMessage: maybe(z.boolean()),
    inputMessagePlaceholder: str(),
    updateUserFullname: str(),
    updateUserEmail: str(),
    action: str(),
    parentUid: str(),
    tempUID: str(),
    flowAttributes: record(),
    sourcePage: str(),
    sourceTitle: str(),
    updateconversation: maybe(z.boolean()),
    type: str(),
  });
}

const content = () => ({
  type: str(),
  text: str(),
  metadata: maybe(InboundMetadataSchema),
});

/**
 * A message inside a `message` command (tybot adds `_tdJSONCondition`, kept like any unknown field).
 *
 * @example
 * ```ts
 * expandCommands(doc); // builds the parts from these
 * ```
 */
export const InboundCommandMessageSchema = pure(() =>
  z.looseObject({
    ...content(),
    attributes: maybe(attributesSchema(z.optional(z.unknown()))),
  }),
);

/**
 * One entry of `attributes.commands`. `type` stays an open string: besides `message` and `wait`, tybot's voice
 * actions emit `settings` commands, at which the web widget stops processing the list.
 *
 * @example
 * ```ts
 * const commands = parseInboundMessage(doc).attributes?.commands;
 * if (Array.isArray(commands)) commands.filter((c) => c.type === 'wait');
 * ```
 */
export const InboundCommandSchema = pure(() =>
  z.looseObject({
    type: z.string(),
    message: maybe(InboundCommandMessageSchema),
    time: maybe(z.number()),
  }),
);

/**
 * `attributes` of a received message: the keys the widget reads are typed, any other key is kept. `commands` is a list
 * of commands, `true` on a part the widget split off, or a falsy value (`''`, `0`, `false`, `null`) the widget reads as
 * no commands.
 *
 * @example
 * ```ts
 * const { subtype, disableInputMessage } = parseInboundMessage(doc).attributes ?? {};
 * ```
 */
export const InboundAttributesSchema = pure(() =>
  attributesSchema(
    // The widget itself rewrites `commands` to `true` on the parts it splits off, so accept that too; it splits only
    // when `commands` is truthy, so `null`, `false`, `''` and `0` are an ordinary message as well.
    maybe(z.union([z.array(InboundCommandSchema), z.boolean(), noCommands()])),
  ),
);

/**
 * A message as received: a REST/WebSocket message document from tiledesk-server, a chat21 envelope as the
 * widget gets it, or a body as a chatbot posts it. Unknown fields (`request`, `_tdActionType`, …) are kept.
 * Run it with {@link safeParseWith} for errors with readable messages and paths; `parseInboundMessage` of
 * `tiledesk-sdk/messages` gives the same answers without zod.
 *
 * @example
 * ```ts
 * const r = safeParseWith(InboundMessageSchema, frame.payload.message, 'invalid inbound message');
 * ```
 */
export const InboundMessageSchema = pure(() =>
  z.looseObject({
    _id: str(),
    uid: str(),
    message_id: str(),
    ...content(),
    attributes: maybe(InboundAttributesSchema),
    sender: str(),
    senderFullname: str(),
    sender_fullname: str(),
    recipient: str(),
    recipient_fullname: str(),
    recipientFullname: str(),
    channel_type: str(),
    status: numberOrString(),
    timestamp: maybe(z.number()),
    language: str(),
    id_project: str(),
    createdBy: str(),
    createdAt: str(),
    updatedAt: str(),
    channel: maybe(z.looseObject({ name: str() })),
    isSender: maybe(z.boolean()),
    request: z.optional(z.unknown()),
  }),
);

export interface InboundButton extends z.output<typeof InboundButtonSchema> {}
export interface InboundMetadata extends z.output<typeof InboundMetadataSchema> {}
export interface InboundGalleryCard extends z.output<typeof InboundGalleryCardSchema> {}
export interface InboundAttachment extends z.output<typeof InboundAttachmentSchema> {}
export interface InboundMessageLabel extends z.output<typeof InboundMessageLabelSchema> {}
export interface InboundAttributes extends z.output<typeof InboundAttributesSchema> {}
export type InboundCommand = z.output<typeof InboundCommandSchema>;
export interface InboundCommandMessage extends z.output<typeof InboundCommandMessageSchema> {}
export interface InboundMessage extends z.output<typeof InboundMessageSchema> {}
