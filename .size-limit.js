// Browser-bundle budgets per entry, measured on the built package (`npm run build` first) the way a user's bundler
// sees it: esbuild, browser platform, `#default-transport` resolved through package.json "imports", gzip.
// The repo's tsconfig `paths` (typechecking aid) must not steer resolution: installed users never see it.
const browser = (config) => ({ ...config, platform: 'browser', tsconfigRaw: '{}' });

export default [
  {
    // DEVIATION from issue 7's 8 kB: the client measures 10.06 kB. Without any resource it is ≈ 7.1 kB (request core,
    // auth, errors, pagination); `messages.import` costs 1.35 kB and `requests` 0.96 kB (bench/rest/attribution.mjs).
    // Reaching 8 kB means removing capabilities, so this limit guards the measured size against growth instead.
    name: "REST: import { TiledeskClient } from 'tiledesk-sdk'",
    path: 'dist/index.js',
    import: '{ TiledeskClient }',
    gzip: true,
    limit: '10.3 kB',
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
    // What chatbot code and dashboards import: every builder and reader, no schema or parse function. They check
    // messages without zod (src/messages/outbound-check.ts, inbound-check.ts), so zod stays out of this bundle.
    name: "messages: builders + readers from 'tiledesk-sdk/messages'",
    path: 'dist/messages.js',
    import:
      '{ text, actionMessage, image, file, audio, frame, html, gallery, card, redirect, urlPreview, tts, split, wait, buttons, ' +
      'classify, normalizeTarget, expandCommands, htmlToText, DEFAULT_WAIT_MS, InvalidMessageError, LINK_TARGETS, INFO_MESSAGE_KEYS }',
    gzip: true,
    limit: '8 kB',
    modifyEsbuildConfig: browser,
  },
  {
    // DEVIATION from issue 7's 8 kB: the whole entry includes the zod schemas and parse functions, hence zod/mini
    // (≈ 6 kB of it), and measures 15.44 kB. Issue 5 requires the schemas in this entry, so 8 kB is not reachable;
    // what apps import (builders + readers, above) meets it. This limit guards the measured size against growth.
    name: "messages: import * from 'tiledesk-sdk/messages' (schemas and zod included)",
    path: 'dist/messages.js',
    import: '*',
    gzip: true,
    limit: '15.5 kB',
    modifyEsbuildConfig: browser,
  },
];
