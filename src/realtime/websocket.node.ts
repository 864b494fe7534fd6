import WebSocket from 'ws';
import type { WebSocketConstructor } from './client.js';
import { isTransient, RealtimeAuthError, RealtimeError } from './errors.js';

/** Sockets whose `ws` refused a frame over its `maxPayload` (a WeakSet: safe to read before a constructor has run). */
const refusedFrame = new WeakSet<object>();

/**
 * Node: the `ws` package. Node 20 has no global WebSocket, and the one of Node 22+ (undici's) reports a failed
 * upgrade without its HTTP status, which `ws` gives: a 401 is then told apart from an unreachable server.
 *
 * `ws` reads a whole frame into memory before the client can look at it, up to its own limit (100 MiB), far above
 * `maxFrameLength` (16 Mi characters). Here the limit is that many characters at the most UTF-8 bytes each can take
 * (3; a surrogate pair, 2 characters, is 4 bytes), so no frame the client would accept is refused. A longer frame is refused
 * from its header: `ws` stops reading and closes the socket with 1009 (Message Too Big). No longer reading, it never
 * sees the server's answer and reports the close as 1006; reported here as the 1009 it sent, the close is what the
 * client counts towards `frame_too_large`. `ws` reads its limit as a 32-bit integer: a larger one would wrap (to 2
 * bytes, say), hence the cap.
 */
export function defaultWebSocket(maxFrameLength: number): WebSocketConstructor {
  const maxPayload = Math.min(3 * maxFrameLength, 2 ** 31 - 1);
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { maxPayload });
      // ws's message ("Max payload size exceeded") names no option of ours. This listener runs before the client's.
      this.on('error', (error: Error & { code?: unknown }) => {
        if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          refusedFrame.add(this);
          error.message = `a frame over ${maxPayload} bytes, more than maxFrameLength (${maxFrameLength}) characters can take: ${error.message}`;
        } else if (error.code === 'EPROTO' && error.message.includes('wrong version number')) {
          // A wss:// URL for a plain ws:// server: OpenSSL's words (`…:SSL routines:ssl3_get_record:wrong version
          // number:…`) name neither the URL nor the fix.
          error.message = 'the server does not answer TLS: if it speaks plain HTTP (self-hosted on its port 3000, the local test server), use a ws:// URL (EPROTO)';
        }
      });
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'close' && refusedFrame.has(this)) args[0] = 1009;
      return super.emit(event, ...args);
    }
  } as unknown as WebSocketConstructor;
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
