// Browser-bundle budgets per entry, measured on the built package (`npm run build` first) the way a user's bundler
// sees it: esbuild, browser platform, `#default-transport` resolved through package.json "imports", gzip.
// The repo's tsconfig `paths` (typechecking aid) must not steer resolution: installed users never see it.
const browser = (config) => ({ ...config, platform: 'browser', tsconfigRaw: '{}' });

export default [
  {
    name: "REST: import { TiledeskClient } from 'tiledesk-sdk'",
    path: 'dist/index.js',
    import: '{ TiledeskClient }',
    gzip: true,
    limit: '8 kB',
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
    name: "messages: import * from 'tiledesk-sdk/messages'",
    path: 'dist/messages.js',
    import: '*',
    gzip: true,
    limit: '8 kB',
    modifyEsbuildConfig: browser,
  },
];
