// Browser-bundle budgets per entry, measured on the built package (`npm run build` first) the way a user's bundler
// sees it: esbuild, browser platform, `#default-transport` resolved through package.json "imports", gzip.
// The repo's tsconfig `paths` (typechecking aid) must not steer resolution: installed users never see it.
const browser = (config) => ({ ...config, platform: 'browser', tsconfigRaw: '{}' });

export default [
  {
    // DEVIATION from issue 7's 8 kB: the client measures 10.44 kB. Without any resource it is ≈ 7.1 kB (request core,
    // auth, errors, pagination); `messages.import` costs 1.30 kB and `requests` 0.98 kB (bench/rest/attribution.mjs).
    // Reaching 8 kB means removing capabilities: every API change considered, made at once (`messages.import` as a
    // function, `logger` as a hooks helper, no static helpers), leaves 8.91 kB. Decision (bench/rest/RESULTS.md): the
    // API stays, and this limit guards the measured size against growth instead.
    // Raised from 10.3 kB in stop 15 for twelve REST bug fixes (+0.19 kB: no unhandled rejection when a token fetch
    // outlives its caller, `.`/`..` ids refused, repeated query parameters, 2xx bodies checked…) and linear-time
    // redaction (+4 B); see CHANGELOG. Raised to 10.5 kB in stop 16 (+0.12 kB): header names merged case-insensitively
    // (a caller's `Authorization` was sent next to the client's), lists checked to be arrays of objects, and error
    // bodies read in linear time and only their first MB (a 160 KB page of unclosed tags blocked the process 10 s;
    // a 20 MB body escaped as a RangeError). Lowered to 10.45 kB in stop 19, when dropping the errors' `util.inspect`
    // hook took the client to 10.40 kB. The REST review's fixes (+95 B) took it to 10.44 kB, 58 B of them paid for
    // in place. Its leftovers (onError for every error, lone-surrogate ids, unusable static and custom tokens) paid for
    // themselves in the request core and took it to 10.39 kB (10,395 B). +11 B since, in stop 20, for not racing Node's
    // default transport against its own signal (the core's CPU per call 11.4 → 6.6 µs in Node, bench/rest/RESULTS.md):
    // guard 10.41 kB. Three bad inputs refused since (bodies that cannot be JSON, headers no transport sends, nextPage()
    // past the last page: +52 B) paid for themselves by sharing checks (−58 B): 10,400 B, guard unchanged. `headers` in
    // every shape `fetch` takes (a `Headers`, arrays of pairs) and names checked as RFC 9110 tokens (+69 B) were paid
    // for in place (`redactHeaders` flattening header lists, `Number.isFinite` alone, `requireObject` as
    // `isPlainObject`, one redacted hook URL, one Date check: −81 B): 10,388 B, guard unchanged.
    // +10 B so that clients made by `withOptions` keep headers read from a generator: 10,398 B. −2 B for a 403's
    // `reason` read from the whole body (the server says why in `err`, under a generic `message`): 10,396 B.
    // +9 B: a header whose value is `undefined` or `null` is left out, not sent as "undefined": 10,405 B.
    // −7 B with no change to the browser's code: the Node transport checks `connections` with the client's integer
    // check, which moved it into another chunk of the build: 10,398 B.
    // +32 B, guard raised to 10.43 kB: `leads.create` refuses an object as `lead_id`, `fullname` or `email`, on which
    // the server's save fails and it never answers (the call only timed out): 10,430 B.
    // +87 B, guard 10.52 kB (stop 23): `requests.update` checks `tags` (a null tag hangs the CSV export for good), the
    // retry options must be numbers >= 0 (NaN retried at once) and `toArray(NaN)` no longer reads every page: 10,517 B.
    // +47 B, guard 10.57 kB: `for await` reads again the pages that closed conversations pull back (a loop closing each
    // conversation it visited saw 4 of 7 on the real server): 10,564 B.
    // −119 B with no change in behaviour, guard 10.45 kB: messages' UTF-8 size by `TextEncoder` (−53 B), shared
    // checks and spreads in the core, the client and the resources (−66 B): 10,445 B.
    // −7 B, guard unchanged: fixes found against the real server (+156 B: a `null` 2xx is a NotFoundError, ids that are
    // no `_id` refused, `leads.create` saves what the create route drops, `requests.update` refuses empty values,
    // `messages.send` checks field types) paid for in place (−163 B: one integer and one array check, `requireObject`
    // for options and hooks, a ValidationError for a missing global fetch, `count`'s query in its path): 10,438 B.
    // +81 B, guard raised to 10.52 kB for two calls that never got an answer: a sort `direction` mongoose cannot read
    // (`leads.list` hung; `requests.list` 500, retried), refused in every list (+57 B), and `participants` as a string
    // in `messages.send` (hung; `followers` 500), refused with `followers` through the shared field-type table (+22 B).
    // Nothing found to pay for them without dropping a check. `leads.list` no longer sends `with_email` beside an
    // `email` (the server's flag replaced the email filter): +4 B, −1 B paid by `tags.add` reusing `tagList`'s array
    // check; its +3 B fit in the raise the two hang fixes need (10,517 B → 10.52 kB): 10,519 B.
    // +1 B with no change in the code (stop 25): the minifier named two error classes the other way round once the CLI's
    // changes moved the build's chunks: 10,520 B, at the guard.
    name: "REST: import { TiledeskClient } from 'tiledesk-sdk'",
    path: 'dist/index.js',
    import: '{ TiledeskClient }',
    gzip: true,
    limit: '10.52 kB',
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
    name: "messages schemas: import * from 'tiledesk-sdk/messages/schemas' (zod/mini included)",
    path: 'dist/messages-schemas.js',
    import: '*',
    gzip: true,
    limit: '10.87 kB',
    modifyEsbuildConfig: browser,
  },
];
