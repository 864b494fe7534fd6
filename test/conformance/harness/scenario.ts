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
  run(ctx: ScenarioContext): Promise<void>;
}

export function scenario(id: string, title: string, run: Scenario['run'], options: { heartbeat?: boolean } = {}): Scenario {
  return { id, title, run, ...options };
}
