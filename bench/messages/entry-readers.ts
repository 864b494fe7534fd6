// Size entry: what a dashboard imports (inbound parsing and the readers).
export { classify, expandCommands, parseInboundMessage } from '../../src/messages/index.js';
