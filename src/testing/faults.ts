/**
 * A fault rule for {@link FaultControls.route}. A rule matches on method and path; when it fires it can add
 * latency, reset the connection, hang, and/or answer a chosen status instead of (or after) the real handler.
 *
 * @example
 * ```ts
 * server.faults.route({ method: 'GET', path: /\/requests$/, status: 429, headers: { 'Retry-After': '1' }, times: 2 });
 * server.faults.route({ path: `/${server.project.id}/requests`, latencyMs: 200 });
 * server.faults.route({ method: 'POST', path: /\/messages\/multi$/, partialSave: 3 }); // 3 saved, then 500
 * ```
 */
export interface FaultRule {
  /** HTTP method to match (case-insensitive); any method when omitted. */
  method?: string;
  /** Exact pathname (no query string), or a RegExp tested against the pathname. */
  path: string | RegExp;
  /** Answer this status. Without `after`/`partialSave` the real handler does not run. */
  status?: number;
  /** Extra response headers, e.g. `{ 'Retry-After': '2' }`. */
  headers?: Record<string, string>;
  /** Response body: an object/array is sent as JSON, a string as text. Default `{"message": <status text>}`. */
  body?: unknown;
  /** Fire this many times, then the rule removes itself. Default: unlimited. */
  times?: number;
  /** Probability (0..1) that a matching request fires the rule. Default 1. */
  rate?: number;
  /** Delay before anything else happens (including the real handler), in ms. */
  latencyMs?: number;
  /** Reset the TCP connection (the client sees ECONNRESET / "socket hang up"). */
  reset?: true;
  /** Accept the request and never answer (released by `close()`). */
  hang?: true;
  /** Run the real handler first (its writes persist), then answer with this rule's status instead. */
  after?: true;
  /** For `…/messages/multi`: save only the first N items, then answer the fault (default 500, the real body). */
  partialSave?: number;
}

/** Fault controls of a running server; see {@link FaultRule}. */
export interface FaultControls {
  /** Adds a rule; rules are tried in the order they were added, the first match wins. */
  route(rule: FaultRule): { remove(): void };
  /** Removes every rule (half-open and hung upgrades are separate switches). */
  clear(): void;
  /** Destroys every open socket now: HTTP keep-alive connections, in-flight requests and WebSockets (1006). */
  dropSockets(): void;
  /** While on, sockets stay open but nothing is answered (REST requests hang, WS frames and pings stop). */
  halfOpen(on: boolean): void;
  /** While on, WebSocket upgrade requests are never answered (like a guest token on the real server). */
  hangUpgrades(on: boolean): void;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

/** Matching state for the fault rules; the server asks it once per request. */
export class FaultTable {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): { remove(): void } {
    if (rule.rate !== undefined && (rule.rate < 0 || rule.rate > 1)) throw new RangeError('rate must be between 0 and 1');
    const active: ActiveRule = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(active);
    return { remove: () => void (this.rules = this.rules.filter((r) => r !== active)) };
  }

  clear(): void {
    this.rules = [];
  }

  get size(): number {
    return this.rules.length;
  }

  /** The rule that fires for this request, if any (consuming one of its `times`). */
  match(method: string, pathname: string): FaultRule | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (typeof rule.path === 'string' ? rule.path !== pathname : !testRegExp(rule.path, pathname)) continue;
      if (rule.rate !== undefined && Math.random() >= rule.rate) continue;
      active.remaining -= 1;
      if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active);
      return rule;
    }
    return undefined;
  }
}

function testRegExp(pattern: RegExp, text: string): boolean {
  // A global/sticky RegExp keeps lastIndex between calls; reset it so matching is stateless.
  pattern.lastIndex = 0;
  return pattern.test(text);
}
