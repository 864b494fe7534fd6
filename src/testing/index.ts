// Local Tiledesk-compatible server: `import { startTiledeskServer } from 'tiledesk-sdk/testing'`.
export { startTiledeskServer } from './server.js';
export type { SeededUser, ServerStats, TiledeskServerOptions, TiledeskTestServer } from './server.js';
export type { MultiSaveOrder } from './domain.js';
export type { FaultControls, FaultRule } from './faults.js';
export type { Fixture, FixtureConversation, FixtureMessage, FixtureUser, SeedResult } from './fixture.js';
export type { JwtPayload } from './jwt.js';
