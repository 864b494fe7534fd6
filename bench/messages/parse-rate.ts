/**
 * Messages parsed per second, inbound and outbound, through the zod schemas of `tiledesk-sdk/messages/schemas` with
 * whatever `zod/mini` resolves to in this bundle (run.mjs builds it twice: as is, and with `zod/mini` aliased to
 * classic `zod`); then the same messages through the zod-free `parse…` functions of `tiledesk-sdk/messages` (the
 * checks the builders and readers run too).
 * Usage (after bundling): node parse-rate.js [--jitless]
 */
import * as zod from 'zod/mini';
import { parseInboundMessage, parseOutboundMessage } from '../../src/messages/index.js';
import { InboundMessageSchema, OutboundMessageSchema, safeParseWith } from '../../src/messages/schemas.js';
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
    rate('inbound', inbound, (m) => safeParseWith(InboundMessageSchema, m, 'invalid inbound message')),
    rate('outbound', outbound, (m) => safeParseWith(OutboundMessageSchema, m, 'invalid outbound message')),
    rate('inbound, zod-free', inbound, parseInboundMessage),
    rate('outbound, zod-free', outbound, parseOutboundMessage),
  ]),
);
