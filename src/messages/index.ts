// Widget messages entry point: `import { text, buttons, classify } from 'tiledesk-sdk/messages'`.
// zod-free: the zod schemas are `tiledesk-sdk/messages/schemas`; this entry exports the types they infer.
export * from './builders.js';
export { classify, normalizeTarget, type ClassifiedMessage, type MessageKind } from './classify.js';
export { expandCommands, DEFAULT_WAIT_MS, type ExpandedStep, type ExpandOptions } from './commands.js';
export { htmlToText } from './html.js';
export { InvalidMessageError, type MessageIssue } from './errors.js';
export {
  parseOutboundMessage,
  safeParseOutboundMessage,
  parseInboundMessage,
  safeParseInboundMessage,
  type MessageParseResult,
} from './parse.js';
export { LINK_TARGETS, INFO_MESSAGE_KEYS } from './rules.js';
export type {
  LinkTarget,
  OutboundButton,
  OutboundTextButton,
  OutboundUrlButton,
  OutboundActionButton,
  OutboundGalleryCard,
  OutboundCommand,
  OutboundWaitCommand,
  OutboundMessageCommand,
  OutboundCommandMessage,
  OutboundMessage,
  OutboundTextMessage,
  OutboundImageMessage,
  OutboundFileMessage,
  OutboundFrameMessage,
  OutboundHtmlMessage,
  OutboundGalleryMessage,
  OutboundRedirectMessage,
  OutboundUrlPreviewMessage,
  OutboundTtsMessage,
} from './outbound.js';
export type {
  InboundButton,
  InboundMetadata,
  InboundGalleryCard,
  InboundAttachment,
  InboundMessageLabel,
  InboundAttributes,
  InboundCommand,
  InboundCommandMessage,
  InboundMessage,
} from './inbound.js';
