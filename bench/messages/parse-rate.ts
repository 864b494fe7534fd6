/**
 * Messages parsed per second, inbound and outbound, with whatever `zod/mini` resolves to in this bundle
 * (run.mjs builds it twice: as is, and with `zod/mini` aliased to classic `zod`); then the same messages through the
 * zod-free checks the readers and builders run (readInboundMessage, the builders' outbound check).
 * Usage (after bundling): node parse-rate.js [--jitless]
 */
import * as zod from 'zod/mini';
import { runCheck } from '../../src/messages/check.js';
import { readInboundMessage } from '../../src/messages/inbound-check.js';
import { parseInboundMessage, parseOutboundMessage } from '../../src/messages/index.js';
import { outboundChecks } from '../../src/messages/outbound-check.js';
import { corpusEntries, realServerMessages } from '../../test/messages/fixtures/load.js';
import { seedExamples } from '../../test/messages/fixtures/seed-examples.js';

if (process.argv.includes('--jitless')) zod.config({ jitless: true });

const inbound: unknown[] = [...corpusEntries().map((e) => e.message), ...realServerMessages().map((c) => c.message)];
const outbound: unknown[] = Object.values(seedExamples);

function rate(label: string, messages: unknown[], parse: (m: unknown) => unknown): { label: string; perSecond: number; count: number } {
  const pass = () => {
    for (const message of messages) parse(message);
  };
  for (let i = 0; i < 200; i++) pass(); // warm-up (JIT and inline caches)
  const samples: number[] = [];
  for (let run = 0; run < 7; run++) {
    let parsed = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 300_000_000n) {
      pass();
      parsed += messages.length;
      elapsed = process.hrtime.bigint() - start;
    }
    samples.push(parsed / (Number(elapsed) / 1e9));
  }
  samples.sort((a, b) => a - b);
  return { label, perSecond: Math.round(samples[3]!), count: messages.length };
}

console.log(
  JSON.stringify([
    rate('inbound', inbound, parseInboundMessage),
    rate('outbound', outbound, parseOutboundMessage),
    rate('inbound, readers\' check', inbound, readInboundMessage),
    rate('outbound, builders\' check', outbound, (m) => runCheck(outboundChecks.message, m)),
  ]),
);
