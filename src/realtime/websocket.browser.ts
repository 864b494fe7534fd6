import type { WebSocketConstructor } from './client.js';
import { RealtimeError } from './errors.js';

/**
 * Browsers, workers, Deno, Bun: the global WebSocket, looked up when a client is created, so a polyfill installed
 * after the SDK loaded still wins. `maxFrameLength` is for Node's `ws`; a browser's WebSocket takes no frame limit.
 */
export function defaultWebSocket(_maxFrameLength?: number): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/**
 * A browser never tells why an upgrade failed: a 401 looks exactly like an unreachable server, so no HTTP status
 * is read here (and the code that maps one stays out of browser bundles). A polyfill may still give a message.
 */
export function upgradeFailure(diagnostic: string): RealtimeError {
  return new RealtimeError('connect_failed', `could not connect: ${diagnostic}`);
}
