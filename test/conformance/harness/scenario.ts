import type { ScenarioContext } from './context.js';

export interface Scenario {
  /** Stable, file-name safe id, `<area>.<name>`; the golden file is golden/<id>.json. */
  id: string;
  title: string;
  /**
   * The scenario waits for server heartbeats. On tiledesk-server (30 s interval) that takes 30-70 s, so it runs on
   * the real server only with TILEDESK_CONFORMANCE_SLOW=1; the local server runs it with a short interval.
   */
  heartbeat?: boolean;
  /**
   * The test's timeout when the scenario runs against the real server, for a scenario that takes long there only
   * (default 90 s; recording runs the real server twice).
   */
  realTimeoutMs?: number;
  run(ctx: ScenarioContext): Promise<void>;
}

export function scenario(
  id: string,
  title: string,
  run: Scenario['run'],
  options: { heartbeat?: boolean; realTimeoutMs?: number } = {},
): Scenario {
  return { id, title, run, ...options };
}
