import { redact } from './token.js';

/**
 * Base class of every error the SDK throws or reports. Messages are passed through a redaction of tokens on
 * construction and a `cause` is replaced by a redacted summary, so every field `toJSON` and `util.inspect` show is
 * safe: a token can never leak through an error, its `cause`, a log line or a crash dump.
 *
 * @example
 * ```ts
 * try { await client.requests.get('nope'); }
 * catch (e) { if (e instanceof TiledeskError) console.error(e.code, e.message); }
 * ```
 */
export class TiledeskError extends Error {
  // `declare`d: assigned in the constructor only, so no class-field definition is emitted.
  /** A stable, machine-readable code, e.g. `"not_found"`, `"timeout"`, `"subscribe_timeout"`. */
  declare readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(redact(message), options.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
    this.name = new.target.name;
    this.code = options.code;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [k, v] of Object.entries(this)) if (!(k in out)) out[k] = v;
    return out;
  }
}

/** Causes come from transports (undici, fetch, ws) and may carry request options; keep only a redacted summary. */
function sanitizeCause(cause: unknown): unknown {
  if (cause instanceof TiledeskError) return cause;
  if (cause instanceof Error) {
    const safe = new Error(redact(cause.message));
    safe.name = cause.name;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') (safe as Error & { code?: string }).code = code;
    return safe;
  }
  return typeof cause === 'string' ? redact(cause) : undefined;
}
