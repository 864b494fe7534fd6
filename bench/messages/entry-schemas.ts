// Size entry: the whole public API of `tiledesk-sdk/messages/schemas` (the zod schemas), as a browser app would bundle it.
export * from '../../src/messages/schemas.js';
