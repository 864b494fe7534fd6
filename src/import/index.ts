// Conversation importer: `import { importConversations } from 'tiledesk-sdk'`. Isomorphic (no Node-only module);
// file sources and file checkpoints are in `tiledesk-sdk/node`.
export { importConversations } from './importer.js';
export { ImportAbortedError, ImportFailedError, ImportCheckpointError } from './errors.js';
export { IMPORT_KEY_ATTRIBUTE, IMPORT_INDEX_ATTRIBUTE } from './keys.js';
export type {
  ImportTime,
  ImportSourceMessage,
  ImportSourceMessageFields,
  ImportSourceRequest,
  ImportConversation,
  ImportConversationEvent,
  ImportSource,
  ImportCheckpoint,
  ImportCheckpointState,
  ImportTotals,
  ImportProgressEvent,
  ImportFailure,
  ImportReport,
  ImportConversationsOptions,
} from './types.js';
