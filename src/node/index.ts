// Node-only helpers: `import { readConversations, fileCheckpoint } from 'tiledesk-sdk/node'`.
export { readConversations } from './read-conversations.js';
export type { ReadConversationsOptions } from './read-conversations.js';
export { fileCheckpoint } from './file-checkpoint.js';
export type { FileCheckpoint } from './file-checkpoint.js';
export { SourceParseError, JsonElementSplitter } from './json-stream.js';
export type { SourcePosition, SplitterOptions } from './json-stream.js';
