// Cost of `redact` (every error message, URL and body excerpt passes through it) on 33 KB error bodies: the size of a
// server echoing a long invalid value back. `before` is the stop-14 pattern set, kept here to show the difference.
//
//   node bench/rest/redact.mjs
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = `${root}node_modules/.cache/tiledesk-bench-redact/token.mjs`;
mkdirSync(`${root}node_modules/.cache/tiledesk-bench-redact`, { recursive: true });
await build({ entryPoints: [`${root}src/shared/token.ts`], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
const { redact } = await import(pathToFileURL(out).href);
rmSync(`${root}node_modules/.cache/tiledesk-bench-redact`, { recursive: true, force: true });

function before(text) {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]+@/gi, '$1[redacted]@')
    .replace(/([?&](?:token|secret_token|jwt)=)[^&#\s]+/gi, '$1[redacted]')
    .replace(/\b(JWT|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted-jwt]');
}

const size = 33_000;
const bodies = {
  'one long token-like run (base64 without padding, a hash)': 'a'.repeat(size),
  // Words starting like a JWT's first segment (`ey`): the bare-JWT pattern's worst case since it requires that start.
  'dotted words (a long host or package list)': 'eyabcdefgh.'.repeat(size / 11),
  'JSON with a JWT every 200 characters': `{"x":"${`${'y'.repeat(120)} eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJl `.repeat(size / 200)}"}`,
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn, text) => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    fn(text);
    runs.push(performance.now() - t);
  }
  return median(runs);
};
console.log('| 33 KB body | before (ms) | now (ms) |');
console.log('|---|---:|---:|');
for (const [name, text] of Object.entries(bodies)) {
  if (before(text) !== redact(text)) throw new Error(`${name}: before and now redact differently`);
  console.log(`| ${name} | ${time(before, text).toFixed(1)} | ${time(redact, text).toFixed(2)} |`);
}
