// Browser-bundle budgets per entry, measured on the built package (`npm run build` first) the way a user's bundler
// sees it: esbuild, browser platform, `#default-transport` resolved through package.json "imports", gzip.
// The repo's tsconfig `paths` (typechecking aid) must not steer resolution: installed users never see it.
const browser = (config) => ({ ...config, platform: 'browser', tsconfigRaw: '{}' });

export default [
  {
    // DEVIATION from issue 7's 8 kB: the client measures 10.46 kB (10,460 B). Without its data resources it is ≈ 6.8 kB
    // (request core, auth, errors, pagination); `messages.import` costs 0.87 kB and `requests` 0.97 kB
    // (bench/rest/attribution.mjs, at 10,534 B). Every API change considered, made at once, still leaves 9.41 kB there
    // (8.91 kB when decided), so the API stays (decision: bench/rest/RESULTS.md) and this limit guards the measured size
    // against growth instead. It is raised only for a fix whose bytes could not be paid for in place; bench/RESULTS.md
    // ("How each size got here") lists every change and its cost. Lowered from 10.54 kB (10,534 B) to 10.35 kB after
    // −192 B with no change in behaviour (module constants read once written in place, shared helpers, shorter forms);
    // raised to 10.44 kB (+89 B, then +6 B and +2 B) for the fixes two sweeps found, which nothing left could pay for: every 2xx checked
    // against the shape its call promises, and per-call options checked before sending.
    // Raised to 10.46 kB (+21 B): a list call's PagePromise is a Promise to TypeScript ([Symbol.toStringTag]), so
    // fetchers typed `() => T | Promise<T>` (React Query, SWR) infer the page, not the PagePromise.
    name: "REST: import { TiledeskClient } from 'tiledesk-sdk'",
    path: 'dist/index.js',
    import: '{ TiledeskClient }',
    gzip: true,
    limit: '10.46 kB',
    modifyEsbuildConfig: browser,
  },
  {
    name: "realtime: import { RealtimeClient } from 'tiledesk-sdk/realtime'",
    path: 'dist/realtime.js',
    import: '{ RealtimeClient }',
    gzip: true,
    limit: '6 kB',
    modifyEsbuildConfig: browser,
  },
  {
    // The whole entry, nothing tree-shaken: builders, readers and `parse…`. None of them uses zod (they check messages
    // with src/messages/outbound-check.ts and inbound-check.ts, held to the zod schemas by test/messages/parity.test.ts).
    // 7,959 B, 41 B under (`expandCommands`' option check paid for by −69 B with no change in behaviour, −27 B from the
    // shared redaction, +22 B for two checks); bench/RESULTS.md ("How each size got here") lists every change.
    name: "messages: import * from 'tiledesk-sdk/messages'",
    path: 'dist/messages.js',
    import: '*',
    gzip: true,
    limit: '8 kB',
    modifyEsbuildConfig: browser,
  },
  {
    // The zod schemas, an opt-in entry of their own (as `tiledesk-sdk/schemas` is for REST responses). zod/mini's
    // runtime for the features they use is ≈ 6.5 kB of this; own code ≈ 4 kB. No budget in issue 7 names this entry;
    // the limit guards the measured size against growth. Raised from 10.8 kB in stop 23 (+9 B, 10,806 B): a `url_preview`
    // whose text is `[]` is refused, as the `messages` entry refuses it.
    // −30 B with no change in behaviour (10,776 B): `checkTextMessage`, shared with the `messages` entry, reads nested
    // fields through one helper. Guard unchanged.
    // +86 B, guard 10.87 kB (10,862 B): a file that is not audio must have text (the widget draws only the text: without
    // it, an empty bubble); the three rules that span fields share one `spanning` refinement.
    // Guard 10.99 kB (10,983 B), raised by less than the two checks' measured cost (+170 B): −49 B with no change in
    // behaviour (10,813 B), then +75 B for values JSON cannot write refused in open objects (10,888 B) and +95 B for a
    // url_preview's text parsed as the widget parses JSON sources. −26 B with no change in behaviour (10,957 B): the
    // redaction shared with the REST client writes its patterns in place; guard lowered to 10.96 kB. bench/RESULTS.md ("How
    // each size got here").
    name: "messages schemas: import * from 'tiledesk-sdk/messages/schemas' (zod/mini included)",
    path: 'dist/messages-schemas.js',
    import: '*',
    gzip: true,
    limit: '10.96 kB',
    modifyEsbuildConfig: browser,
  },
];
