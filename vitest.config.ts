import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

/**
 * The longest files, longest first (seconds of one `npm test` on 2 cores, December 2026). Most of their time is
 * waiting (silence windows, hang timeouts) or one long CPU-bound check, so they must start first: their waiting then
 * overlaps the many short files. Vitest orders by the durations of the last run when it has them; a clean clone (CI)
 * has none, and its fallback, larger files first, put the conformance files (four lines each, their scenarios live in
 * test/conformance/scenarios) last: websocket.test.ts (60 s) started when everything else was done. A stale entry
 * costs time, never a test.
 */
const LONGEST_FIRST = [
  'test/conformance/websocket.test.ts', // 60 s
  'test/testing/robustness.test.ts', // 40
  'test/messages/parity.test.ts', // 40
  'test/realtime/leaks.test.ts', // 28
  'test/docs/types.test.ts', // 27
  'test/conformance/widget.test.ts', // 24
  'test/conformance/requests.test.ts', // 22
  'test/messages/differential.test.ts', // 15
  'test/import/faults.test.ts', // 15
  'test/rest/transport.test.ts', // 15
  'test/cli/demo.test.ts', // 15
  'test/conformance/events.test.ts', // 15
  'test/conformance/people.test.ts', // 14
  'test/conformance/messages.test.ts', // 14
  'test/import/crash.test.ts', // 12
];

/**
 * Files that check what importing a module does (globals it adds, zod's configuration): in a worker where an earlier
 * file imported it already, they would compare the state after the import with itself. And files that mock a module
 * the code under test imports (`vi.mock`) or load a second copy of it (`vi.resetModules`): in a shared module graph
 * the code may already hold the real module, and a reset would reach the files after them.
 */
const NEEDS_FRESH_PROCESS = ['test/messages/side-effects.test.ts', 'test/import/file-checkpoint.test.ts'];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const path = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId).replaceAll('\\', '/');
    const measured = (file: TestSpecification) => this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`);
    if (sorted.every(measured)) return sorted; // the last run's durations: longest first already
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.indexOf(path(file));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    return sorted.map((file, index) => ({ file, index })).sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index).map(({ file }) => file);
  }
}

export default defineConfig({
  resolve: {
    alias: { '#default-transport': src('rest/default-transport.node.ts'), '#websocket': src('realtime/websocket.node.ts') },
  },
  test: {
    exclude: ['test/browser/**', 'test/real/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    sequence: { sequencer: LongestFirstSequencer },
    // Most files wait on sockets and timers, not the CPU: on CI's 2 cores three forks took the suite from 207 s to
    // 80 s (vitest's default there is one). It has grown since, mostly in waiting (the conformance files' silence
    // windows and hang timeouts): a fourth fork took it from 115/121/127 s to 94/112/107 s (three back-to-back pairs,
    // 2 cores shared with other jobs), with the same 1,689 tests passing.
    maxWorkers: Math.max(4, availableParallelism()),
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          // Merged with the `exclude` above (project settings extend the root's; lists are concatenated).
          include: ['test/**/*.test.ts'],
          exclude: NEEDS_FRESH_PROCESS,
          // A worker runs its files one after another in one module graph: the sources, zod, undici and ws are loaded
          // once per worker instead of once per file. That was a quarter of the suite's CPU time (224 → 161 s of CPU,
          // 2,267 tests passing, in file orders by duration and shuffled). Test files still run afresh; what they
          // change globally (fake timers, globalThis.fetch, process listeners) they restore in finally/afterAll.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: NEEDS_FRESH_PROCESS } },
    ],
  },
});
