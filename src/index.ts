// REST entry point: `import { TiledeskClient } from 'tiledesk-sdk'`.
export { TiledeskError } from './shared/errors.js';
