import WebSocket from 'ws';
import type { WebSocketConstructor } from './client.js';

/**
 * Node: the `ws` package. Node 20 has no global WebSocket, and the one of Node 22+ (undici's) reports a failed
 * upgrade without its HTTP status, which `ws` gives: a 401 is then told apart from an unreachable server.
 */
export function defaultWebSocket(): WebSocketConstructor {
  return WebSocket as unknown as WebSocketConstructor;
}

/** The HTTP status of a refused upgrade, from the text of `ws`'s error ("Unexpected server response: 401"). */
export function upgradeStatus(diagnostic: string): number | undefined {
  return Number(/Unexpected server response: (\d{3})/.exec(diagnostic)?.[1]) || undefined;
}
