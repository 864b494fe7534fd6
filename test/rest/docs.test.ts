/**
 * Every ```ts example of docs/rest.md runs, as written, against the local server (see test/helpers/doc-examples.ts).
 * The prose assumes `TiledeskClient` is imported; examples that do not import it get the import added.
 */
import { describeDocExamples, root } from '../helpers/doc-examples.js';

describeDocExamples({
  doc: 'docs/rest.md',
  minExamples: 11,
  rewrite: (code) =>
    /import \{[^}]*\bTiledeskClient\b[^}]*\} from/.test(code) ? code : `import { TiledeskClient } from '${root}src/index.ts';\n${code}`,
});
