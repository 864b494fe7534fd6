// Widget messages entry point: `import { text, buttons, classify } from 'tiledesk-sdk/messages'`.
export * from './outbound.js';
export * from './inbound.js';
export * from './parse.js';
export * from './builders.js';
export { classify, normalizeTarget, type ClassifiedMessage, type MessageKind } from './classify.js';
export { expandCommands, DEFAULT_WAIT_MS, type ExpandedStep, type ExpandOptions } from './commands.js';
export { htmlToText } from './html.js';
export { InvalidMessageError, type MessageIssue } from './errors.js';
