#!/usr/bin/env node
// Time of htmlToText and of the URL / e-mail checks on adversarial input (what any visitor can send), against the
// patterns they replaced (copied below as "before"). Run from the repository root after `npm run build`:
// `node bench/messages/hostile-input.mjs`. Linear code doubles its time when the input doubles; the "before" patterns
// quadruple it. The "before" rows stop at 40 KB: at 150 KB they take from seconds to minutes.
import { htmlToText, safeParseOutboundMessage } from '../../dist/messages.js';

const beforeHtml = (markup) =>
  markup
    .replace(/<(script|style|head|template|noscript)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\s+/g, ' ')
    .replace(/<br\b(?:"[^"]*"|'[^']*'|[^'">])*>|<\/(?:p|div|li|h[1-6]|tr|blockquote|pre|section|article|header|footer|ul|ol|table)\s*>/gi, '\n')
    .replace(/<\/(?:td|th|button)\s*>/gi, ' ')
    .replace(/<\/?[A-Za-z](?:"[^"]*"|'[^']*'|[^'">])*>|<[!?][^>]*>/g, '');
const beforeHttpUrl = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const beforeEmail = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const KB = 1024;
const fill = (unit, bytes) => unit.repeat(Math.ceil(bytes / unit.length));
const cases = [
  ['htmlToText, unclosed `<script`', (n) => fill('<script', n), htmlToText, beforeHtml],
  ['htmlToText, unclosed `<br`', (n) => fill('<br', n), htmlToText, beforeHtml],
  ['htmlToText, unclosed `<a`', (n) => fill('<a', n), htmlToText, beforeHtml],
  ['htmlToText, unclosed `<!--`', (n) => fill('<!--', n), htmlToText, beforeHtml],
  ['htmlToText, `<a x="<b>"` (quotes hold tags)', (n) => fill('<a x="<b>"', n), htmlToText, beforeHtml],
  [
    'image `src` "http://aaa…a " (safeParseOutboundMessage)',
    (n) => ({ type: 'image', text: 'x', metadata: { src: `http://${'a'.repeat(n)} `, width: 1, height: 1 } }),
    safeParseOutboundMessage,
    (m) => beforeHttpUrl.test(m.metadata.src),
  ],
  [
    '`updateUserEmail` "a@....… " (safeParseOutboundMessage)',
    (n) => ({ type: 'text', text: 'x', attributes: { updateUserEmail: `a@${'.'.repeat(n)} ` } }),
    safeParseOutboundMessage,
    (m) => beforeEmail.test(m.attributes.updateUserEmail),
  ],
];

function time(fn, input) {
  const start = performance.now();
  fn(input);
  return performance.now() - start;
}
const ms = (t) => (t < 10 ? t.toFixed(1) : Math.round(t).toLocaleString('en-US'));

const sizes = [10 * KB, 20 * KB, 40 * KB, 150 * KB, 300 * KB];
console.log(`| input | ${sizes.map((s) => `${s / KB} KB`).join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
for (const [label, make, now, before] of cases) {
  // Median of 5 runs for the current code; one run of the old pattern, and only up to 40 KB.
  const current = sizes.map((n) => {
    const input = make(n);
    const runs = Array.from({ length: 5 }, () => time(now, input)).sort((a, b) => a - b);
    return `${ms(runs[2])} ms`;
  });
  const old = sizes.map((n) => (n <= 40 * KB ? `${ms(time(before, make(n)))} ms` : '—'));
  console.log(`| ${label} | ${current.join(' | ')} |`);
  console.log(`| … before | ${old.join(' | ')} |`);
}
