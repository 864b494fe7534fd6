import type { WebSocketConstructor } from './client.js';

/**
 * Browsers, workers, Deno, Bun: the global WebSocket, looked up when a client is created, so a polyfill installed
 * after the SDK loaded still wins.
 */
export function defaultWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/** A browser never tells why an upgrade failed: a 401 looks exactly like an unreachable server. */
export function upgradeStatus(_diagnostic: string): number | undefined {
  return undefined;
}
