/**
 * The outbound check behind the builders and `parseOutboundMessage`: the outbound schema (outbound.ts) restated with
 * the zod-free checks of check.ts, field for field and in the same key order, with the same rules (rules.ts). Builders
 * run it on every message they make, so they throw the same {@link InvalidMessageError} (same paths, same messages)
 * as `OutboundMessageSchema` reports, and return the same JSON, without bundling zod.
 * test/messages/parity.test.ts proves the two agree.
 */
import {
  anything,
  boolean,
  byType,
  forbidden,
  list,
  literal,
  number,
  object,
  optional,
  string,
  type Check,
} from './check.js';
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
} from './rules.js';

/**
 * The builders' checks: the whole message, and the parts that have factories of their own. Built at load, annotated
 * pure: a bundle that never uses them drops them, as `pure` (check.ts) does for the zod schemas, without bundling
 * `pure` itself (−5 B gzip).
 */
export const outboundChecks = /* @__PURE__ */ (() => {
  const nonBlank = string(NON_BLANK);
  const httpUrl = string(HTTP_URL);
  const mimeType = string(MIME_TYPE);
  const pixels = number(PIXELS);
  // Open objects keep unknown keys, which must be JSON-serialisable.
  const open = (shape: Record<string, Check>) => object(shape, { loose: true, refine: checkJsonFields(Object.keys(shape)) });
  const anyObject = open({});
  const optionalString = optional(string());

  // The schema's two unions of scalars, reporting for each kind of value the issue its error formatting reports.
  const cssLength = string(CSS_SIZE);
  const cssSize: Check = (value, path, issues) => (typeof value === 'string' ? cssLength : pixels)(value, path, issues);
  const placeholder = literal(['']);
  const previewSrc: Check = (value, path, issues) => (typeof value === 'string' && value !== '' ? httpUrl : placeholder)(value, path, issues);

  // ── Buttons ──

  const textButton = object({ type: literal(['text']), value: nonBlank });
  const urlButton = object({ type: literal(['url']), value: nonBlank, link: string(LINK_URL), target: optional(literal(LINK_TARGETS)) });
  const actionButton = object({ type: literal(['action']), value: nonBlank, action: nonBlank, show_echo: optional(boolean) });
  const button = byType({ text: textButton, url: urlButton, action: actionButton });
  const buttonList = list(button, NON_EMPTY_BUTTONS);
  const buttonsAttachment = object({ type: literal(['template']), buttons: buttonList });

  // ── Gallery ──

  const galleryCard = object({
    preview: object({ src: previewSrc, name: optionalString, width: optional(pixels), height: optional(pixels), type: optional(mimeType) }),
    title: optionalString,
    description: optionalString,
    buttons: optional(buttonList),
  });
  const galleryAttachment = object({ type: literal(['gallery']), gallery: list(galleryCard, NON_EMPTY_GALLERY) });

  // ── Attributes ──

  const attributes = (attachment: Check, commands: Check) =>
    open({
      disableInputMessage: optional(boolean),
      inputMessagePlaceholder: optionalString,
      attachment,
      commands,
      subtype: optional(literal(SUBTYPES)),
      action: optional(nonBlank),
      updateUserEmail: optional(string(EMAIL)),
      updateUserFullname: optional(nonBlank),
      messagelabel: optional(object({ key: literal(INFO_MESSAGE_KEYS), parameters: optional(anyObject) }, { refine: checkInfoLabel })),
      flowAttributes: optional(anyObject),
      parentUid: optionalString,
      tempUID: optionalString,
      sourcePage: optionalString,
      sourceTitle: optionalString,
      updateconversation: optional(boolean),
      type: optionalString,
    });
  const noCommands = forbidden(NO_COMMANDS);
  const buttonAttributes = optional(attributes(optional(buttonsAttachment), noCommands));

  // ── Messages ──

  const sender = { senderFullname: optional(nonBlank), language: optional(nonBlank) };
  const fileDetails = { uid: optionalString, size: optional(number()), downloadURL: optional(httpUrl) };
  const quickReplyEcho = optional(object({ button: optional(boolean) }));

  /**
   * Every message type but text, keyed by `type`: the same at the top level and inside a `message` command. Their
   * `type: anything` (and that of text and of a message command below): `byType` picks a branch by its `type` (text's
   * also when it is missing), so within the branch `type` already matches, and the key only keeps its place in the
   * rebuilt object. What is checked on its own (buttons, a wait, an attachment) keeps its literal.
   */
  const mediaMessages = {
    image: object({
      type: anything,
      text: optionalString,
      ...sender,
      metadata: object({ src: httpUrl, width: optional(pixels), height: optional(pixels), name: optionalString, type: optional(mimeType), ...fileDetails }),
      attributes: buttonAttributes,
    }),
    file: object(
      {
        type: anything,
        text: optionalString,
        ...sender,
        metadata: object({ name: optionalString, src: httpUrl, type: mimeType, ...fileDetails }),
        attributes: buttonAttributes,
      },
      { refine: checkFileText },
    ),
    frame: object({
      type: anything,
      text: optionalString,
      ...sender,
      metadata: object({ src: httpUrl, width: optional(cssSize), height: optional(cssSize), type: optional(literal(['frame'])) }),
      attributes: buttonAttributes,
    }),
    html: object({ type: anything, text: nonBlank, ...sender, attributes: buttonAttributes }),
    gallery: object({ type: anything, text: optionalString, ...sender, attributes: attributes(galleryAttachment, noCommands) }),
    redirect: object({
      type: anything,
      text: optionalString,
      ...sender,
      metadata: object({ src: httpUrl, target: optional(literal(LINK_TARGETS)), type: optional(literal(['redirect'])) }),
      attributes: optional(attributes(forbidden(NO_REDIRECT_BUTTONS), noCommands)),
    }),
    url_preview: object({
      type: anything,
      text: string(URL_PREVIEW_TEXT),
      ...sender,
      displayFields: optional(object({ title: optional(boolean), description: optional(boolean), image: optional(boolean), source: optional(boolean) })),
      previewBackgroundColor: optionalString,
      attributes: buttonAttributes,
    }),
    tts: object({
      type: anything,
      text: nonBlank,
      ...sender,
      metadata: object({ src: httpUrl, type: string(AUDIO_MIME_TYPE), voiceSettings: optional(anyObject) }),
      attributes: buttonAttributes,
    }),
  };

  // ── Commands (split messages) ──

  const waitCommand = object({ type: literal(['wait']), time: number(WAIT_TIME) });
  const commandTextMessage = object({
    text: nonBlank,
    type: anything,
    ...sender,
    metadata: quickReplyEcho,
    attributes: buttonAttributes,
  });
  const messageCommand = object({ type: anything, message: byType({ text: commandTextMessage, ...mediaMessages }, 'text') });
  const command = byType({ message: messageCommand, wait: waitCommand });

  const textMessage = object(
    {
      type: anything,
      text: optionalString,
      ...sender,
      metadata: quickReplyEcho,
      attributes: optional(attributes(optional(buttonsAttachment), optional(list(command, NON_EMPTY_COMMANDS)))),
    },
    { refine: checkTextMessage },
  );

  return {
    /** Any outbound message, as `OutboundMessageSchema` reads it. */
    message: byType({ text: textMessage, ...mediaMessages }, 'text'),
    textButton,
    urlButton,
    actionButton,
    galleryCard,
    waitCommand,
  };
})();
