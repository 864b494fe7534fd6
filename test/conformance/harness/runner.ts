import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXCLUDED_FROM_LOCAL_COMPARISON } from '../deviations.js';
import { type ConformanceTarget, type Observation, ScenarioContext } from './context.js';
import { diffJson } from './diff.js';
import type { Json } from './normalize.js';
import type { Scenario } from './scenario.js';
import {
  LOCAL_SHORT_HEARTBEAT_INTERVAL_MS,
  type LocalTarget,
  realConformanceTarget,
  startLocalTarget,
} from './targets.js';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

interface GoldenFile {
  id: string;
  title: string;
  recordedFrom: string;
  observations: Observation[];
}

export async function runScenario(scenario: Scenario, target: ConformanceTarget): Promise<Observation[]> {
  const ctx = new ScenarioContext(target);
  try {
    await scenario.run(ctx);
  } finally {
    await ctx.dispose();
  }
  return ctx.observations();
}

/** Differences between two observation lists, labelled by step so that a failure reads as a list of fixes. */
export function compareObservations(expected: Observation[], actual: Observation[]): string[] {
  const keyed = (list: Observation[]) =>
    Object.fromEntries(list.map((o, i) => [`#${String(i + 1).padStart(2, '0')} ${o.step}`, o])) as Json;
  return diffJson(keyed(expected), keyed(actual));
}

export function goldenPath(id: string): string {
  return join(GOLDEN_DIR, `${id}.json`);
}

function readGolden(id: string): GoldenFile | undefined {
  const path = goldenPath(id);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
}

function writeGolden(scenario: Scenario, observations: Observation[]): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  const golden: GoldenFile = {
    id: scenario.id,
    title: scenario.title,
    recordedFrom: '@tiledesk/tiledesk-server@2.19.16 (scripts/real-server)',
    observations,
  };
  writeFileSync(goldenPath(scenario.id), `${JSON.stringify(golden, null, 2)}\n`);
}

const MISSING_GOLDEN = (id: string) =>
  `no golden file for ${id}: record it from the real server with UPDATE_GOLDEN=1 TILEDESK_CONFORMANCE_SLOW=1 npm run test:real`;

function expectNoDifferences(differences: string[], what: string): void {
  expect(differences, `${what}:\n${differences.join('\n')}`).toEqual([]);
}

/**
 * Declares one vitest test per scenario.
 * - With TILEDESK_REAL_URL (npm run test:real): the real server's observations must equal the local server's and the
 *   golden file's; UPDATE_GOLDEN=1 (re)writes the golden file instead (after checking the real server gives the
 *   same observations twice).
 * - Without it (npm test): the local server's observations must equal the golden file's.
 */
export function defineConformanceSuite(area: string, scenarios: Scenario[]): void {
  const real = realConformanceTarget();
  const updateGolden = process.env.UPDATE_GOLDEN === '1';
  const slowOnReal = process.env.TILEDESK_CONFORMANCE_SLOW === '1';
  // Maintainers only: check the real server against the golden files without a local server.
  const skipLocal = process.env.TILEDESK_CONFORMANCE_SKIP_LOCAL === '1';
  const locals = new Map<number | undefined, Promise<LocalTarget>>();
  const local = (heartbeat: boolean) => {
    const interval = heartbeat ? LOCAL_SHORT_HEARTBEAT_INTERVAL_MS : undefined;
    let started = locals.get(interval);
    if (!started) {
      started = startLocalTarget(interval);
      locals.set(interval, started);
    }
    return started;
  };

  afterAll(async () => {
    const started = await Promise.allSettled(locals.values());
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
  });

  describe(`conformance: ${area} (${real ? 'real server vs local server' : 'local server vs golden files'})`, () => {
    for (const scenario of scenarios) {
      const excludedBecause = EXCLUDED_FROM_LOCAL_COMPARISON[scenario.id];
      const useReal = real !== undefined && (!scenario.heartbeat || slowOnReal);
      const timeout = useReal ? (scenario.heartbeat ? 240_000 : (scenario.realTimeoutMs ?? 90_000)) : 90_000;

      it(`${scenario.id}: ${scenario.title}`, { timeout }, async () => {
        if (useReal && real) {
          // The local run goes beside the real one instead of after it: most of a scenario is deliberate waiting
          // (silence windows, hang timeouts), and the two servers share nothing (the real one is its own process
          // with its own database, the local one lives in this worker), so neither run can see the other's traffic.
          // Both are awaited before any comparison, which stay what they were: golden vs real, then real vs local.
          const compareLocal = !excludedBecause && !skipLocal;
          const [realRun, localRun] = await Promise.allSettled([
            runScenario(scenario, real),
            compareLocal ? local(Boolean(scenario.heartbeat)).then((target) => runScenario(scenario, target)) : undefined,
          ]);
          if (realRun.status === 'rejected') throw realRun.reason;
          const fromReal = realRun.value;
          if (updateGolden) {
            const again = await runScenario(scenario, real);
            expectNoDifferences(
              compareObservations(fromReal, again),
              `${scenario.id} is not deterministic on the real server (first run expected, second run got)`,
            );
            writeGolden(scenario, fromReal);
          } else {
            const golden = readGolden(scenario.id);
            expect(golden, MISSING_GOLDEN(scenario.id)).toBeDefined();
            expectNoDifferences(
              compareObservations(golden?.observations ?? [], fromReal),
              `${scenario.id}: the real server no longer matches the golden file (golden expected, real got)`,
            );
          }
          if (!compareLocal) return;
          if (localRun.status === 'rejected') throw localRun.reason;
          const fromLocal = localRun.value ?? [];
          expectNoDifferences(
            compareObservations(fromReal, fromLocal),
            `${scenario.id}: local server differs from the real server (real expected, local got)`,
          );
          return;
        }

        const golden = readGolden(scenario.id);
        expect(golden, MISSING_GOLDEN(scenario.id)).toBeDefined();
        if (excludedBecause) {
          // Documented deviation: the local server runs the traffic (it must answer, not hang or crash) but its
          // answer is not compared.
          await runScenario(scenario, await local(Boolean(scenario.heartbeat)));
          return;
        }
        const fromLocal = await runScenario(scenario, await local(Boolean(scenario.heartbeat)));
        expectNoDifferences(
          compareObservations(golden?.observations ?? [], fromLocal),
          `${scenario.id}: local server differs from the golden file recorded from the real server (golden expected, local got)`,
        );
      });
    }
  });
}
