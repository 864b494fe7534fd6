import WebSocket from 'ws';
import type { WebSocketConstructor } from './client.js';
import { isTransient, RealtimeAuthError, RealtimeError } from './errors.js';

/**
 * Node: the `ws` package. Node 20 has no global WebSocket, and the one of Node 22+ (undici's) reports a failed
 * upgrade without its HTTP status, which `ws` gives: a 401 is then told apart from an unreachable server.
 */
export function defaultWebSocket(): WebSocketConstructor {
  return WebSocket as unknown as WebSocketConstructor;
}

/**
 * Why an upgrade failed, from the text of the socket's error. `ws` names the HTTP status ("Unexpected server
 * response: 401"): 401/403 is a refused token, another non-transient status a rejected upgrade.
 */
export function upgradeFailure(diagnostic: string): RealtimeError {
  const status = Number(/Unexpected server response: (\d{3})/.exec(diagnostic)?.[1]) || undefined;
  if (status === 401 || status === 403) return new RealtimeAuthError('auth_failed', `the server refused the token (HTTP ${status})`, { status });
  if (status && !isTransient(status)) {
    const hint = status === 400 ? ": the URL path must match the server's WebSocket path exactly" : '';
    return new RealtimeError('handshake_rejected', `the server rejected the upgrade (HTTP ${status})${hint}`, { status });
  }
  return new RealtimeError('connect_failed', `could not connect: ${diagnostic}`, { status });
}
