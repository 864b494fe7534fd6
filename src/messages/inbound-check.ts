/**
 * The inbound check behind `parseInboundMessage`, `classify` and `expandCommands`: the inbound schema (inbound.ts)
 * restated with the zod-free checks of check.ts, field for field, so they accept and refuse exactly what
 * `InboundMessageSchema` does — and the message they hand back has the type the schema infers — without bundling
 * zod. test/messages/parity.test.ts proves the two agree.
 */
import { anything, boolean, list, maybe, number, object, optional, string, type Check } from './check.js';

/**
 * Any message as real senders write it, as `InboundMessageSchema` reads it. Built at load, annotated pure: a bundle that
 * never uses it drops it, as `pure` (check.ts) does for the zod schemas, without bundling `pure` itself (−5 B gzip).
 */
export const inboundMessage = /* @__PURE__ */ ((): Check => {
  const loose = (shape: Record<string, Check>) => object(shape, { loose: true });
  const str = maybe(string());
  const bool = maybe(boolean);
  const record = maybe(loose({}));
  // `z.union([z.number(), z.string()])`: anything else is reported as its first branch reports it.
  const numberOrString = maybe((value, path, issues) => (typeof value === 'string' ? value : number()(value, path, issues)));

  const button = loose({
    type: str,
    value: str,
    link: str,
    target: str,
    action: str,
    show_echo: bool,
    alias: str,
    uid: str,
    attributes: optional(anything),
  });
  const metadata = loose({
    src: str,
    name: str,
    type: str,
    width: numberOrString,
    height: numberOrString,
    size: numberOrString,
    uid: str,
    downloadURL: str,
    target: str,
    button: bool,
    voiceSettings: optional(anything),
    displayFields: optional(anything),
    previewBackgroundColor: str,
  });
  const galleryCard = loose({ preview: maybe(metadata), title: str, description: str, buttons: maybe(list(button)) });
  const attachment = loose({ type: str, buttons: maybe(list(button)), gallery: maybe(list(galleryCard)), json_buttons: str, json_gallery: str });

  const attributes = (commands: Check) =>
    loose({
      subtype: str,
      messagelabel: maybe(loose({ key: str, parameters: record })),
      attachment: maybe(attachment),
      commands,
      disableInputMessage: bool,
      inputMessagePlaceholder: str,
      updateUserFullname: str,
      updateUserEmail: str,
      action: str,
      parentUid: str,
      tempUID: str,
      flowAttributes: record,
      sourcePage: str,
      sourceTitle: str,
      updateconversation: bool,
      type: str,
    });
  const content = { type: str, text: str, metadata: maybe(metadata) };

  const command = loose({
    type: string(),
    message: maybe(loose({ ...content, attributes: maybe(attributes(optional(anything))) })),
    time: maybe(number()),
  });
  // The widget splits a message only when `commands` is truthy: `''`, `0`, `false` or `null` is no commands. It rewrites
  // `commands` to `true` on the parts it splits off. Anything else is reported as a list would be.
  const commandsOrFlag: Check = (value, path, issues) => (!value || value === true ? value : list(command)(value, path, issues));

  return loose({
    _id: str,
    uid: str,
    message_id: str,
    ...content,
    attributes: maybe(attributes(commandsOrFlag)),
    sender: str,
    senderFullname: str,
    sender_fullname: str,
    recipient: str,
    recipient_fullname: str,
    recipientFullname: str,
    channel_type: str,
    status: numberOrString,
    timestamp: maybe(number()),
    language: str,
    id_project: str,
    createdBy: str,
    createdAt: str,
    updatedAt: str,
    channel: maybe(loose({ name: str })),
    isSender: bool,
    request: optional(anything),
  });
})();
