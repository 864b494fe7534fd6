// Local Tiledesk-compatible server: `import { startTiledeskServer } from 'tiledesk-sdk/testing'`.
export {};
