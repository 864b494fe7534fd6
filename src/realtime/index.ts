// Realtime entry point: `import { RealtimeClient } from 'tiledesk-sdk/realtime'`.
export { TiledeskError } from '../shared/errors.js';
