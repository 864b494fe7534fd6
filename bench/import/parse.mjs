// Parse rate of readConversations alone (no server): a file of plain ASCII text against one of the same messages
// written with \uXXXX escapes, as Python's json.dumps (ensure_ascii) and other exporters write non-ASCII text.
//
//   npm run build && node bench/import/parse.mjs [--rounds 5]
//
// The escaped file holds 6 characters per message character, so compare MB/s, and conversations/s per kind.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readConversations } from '../../dist/node.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
const conversations = 200;
const textLength = 50_000;
const dir = mkdtempSync(join(tmpdir(), 'tiledesk-parse-bench-'));

const kinds = {
  plain: 'x'.repeat(textLength),
  escaped: '\\u0416'.repeat(textLength / 6),
};
const files = {};
for (const [kind, text] of Object.entries(kinds)) {
  files[kind] = join(dir, `${kind}.ndjson`);
  const lines = Array.from({ length: conversations }, (_, c) => `{"request":{"id":"p-${c}"},"messages":[{"id":"m","text":"${text}"}]}`);
  writeFileSync(files[kind], `${lines.join('\n')}\n`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  console.log(`| file | size | ms (median of ${rounds}) | MB/s | conversations/s |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const [kind, file] of Object.entries(files)) {
    const times = [];
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      let n = 0;
      for await (const _ of readConversations(file)) n++;
      if (n !== conversations) throw new Error(`${kind}: read ${n} conversations, expected ${conversations}`);
      times.push(performance.now() - start);
    }
    const ms = median(times);
    const mb = statSync(file).size / 1e6;
    console.log(`| ${kind} | ${mb.toFixed(1)} MB | ${ms.toFixed(0)} | ${(mb / (ms / 1000)).toFixed(0)} | ${Math.round(conversations / (ms / 1000))} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
