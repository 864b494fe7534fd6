// What bench/realtime/run.mjs measures: the realtime client from source, and the opt-in message schema.
export { RealtimeClient } from '../../src/realtime/index.js';
export { InboundMessageSchema } from '../../src/messages/schemas.js';
