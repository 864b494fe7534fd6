// Size entry: what a dashboard imports (the readers; they read messages without zod, see inbound-check.ts).
export { classify, expandCommands, htmlToText } from '../../src/messages/index.js';
