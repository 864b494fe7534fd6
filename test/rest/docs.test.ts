/**
 * Every ```ts example of docs/rest.md runs, as written, against the local server (see test/helpers/doc-examples.ts).
 * The prose assumes `TiledeskClient` is imported (the doc's `prelude` block); examples that do not import it get the
 * import added. The custom-token example signs with the local project's secret.
 */
import { expect } from 'vitest';
import { defaultEnv, describeDocExamples } from '../helpers/doc-examples.js';

describeDocExamples({
  doc: 'docs/rest.md',
  minExamples: 12,
  env: (server) => ({ ...defaultEnv(server), TILEDESK_JWT_SECRET: server.project.jwtSecret }),
  check: (code, out) => {
    if (code.includes('// customer-42 Ada')) expect(out).toBe('customer-42 Ada');
  },
});
