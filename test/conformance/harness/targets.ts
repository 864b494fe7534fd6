import { realTarget } from '../../helpers/target.js';
import type { ConformanceTarget } from './context.js';

/** tiledesk-server's fixed heartbeat interval (websocket/pubsub.js). */
export const REAL_HEARTBEAT_INTERVAL_MS = 30_000;
/** The local server's interval for heartbeat scenarios, short so that they take seconds. */
export const LOCAL_SHORT_HEARTBEAT_INTERVAL_MS = 1_000;

export function realConformanceTarget(): ConformanceTarget | undefined {
  const real = realTarget();
  if (!real) return undefined;
  const interval = Number(process.env.TILEDESK_REAL_HEARTBEAT_MS ?? REAL_HEARTBEAT_INTERVAL_MS);
  return { name: 'real', url: real.url, wsUrl: real.wsUrl, heartbeatIntervalMs: interval };
}

interface LocalServer {
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

type StartTiledeskServer = (options: { port?: number; heartbeatIntervalMs?: number }) => Promise<LocalServer>;

/** A running local server (src/testing) as a conformance target. */
export interface LocalTarget extends ConformanceTarget {
  close(): Promise<void>;
}

export async function startLocalTarget(heartbeatIntervalMs?: number): Promise<LocalTarget> {
  // Imported at run time so that this suite still loads (and fails with a clear message) while src/testing is
  // incomplete.
  const testing = (await import('../../../src/testing/index.js')) as { startTiledeskServer?: StartTiledeskServer };
  if (typeof testing.startTiledeskServer !== 'function') {
    throw new Error('src/testing does not export startTiledeskServer yet: the local server cannot be checked');
  }
  const options = heartbeatIntervalMs === undefined ? { port: 0 } : { port: 0, heartbeatIntervalMs };
  const server = await testing.startTiledeskServer(options);
  return {
    name: 'local',
    url: server.url.replace(/\/+$/, ''),
    wsUrl: server.wsUrl,
    heartbeatIntervalMs: heartbeatIntervalMs ?? REAL_HEARTBEAT_INTERVAL_MS,
    close: () => server.close(),
  };
}
