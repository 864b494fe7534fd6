// Size entry: the whole public API of `tiledesk-sdk/messages` (zod-free), as a browser app importing it would bundle it.
export * from '../../src/messages/index.js';
