// Node-only helpers: `import { readConversations, fileCheckpoint } from 'tiledesk-sdk/node'`.
export {};
