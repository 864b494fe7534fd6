// Runs the TypeScript examples with plain Node, no build step for them:
//
//   node --import ./examples/register.mjs examples/import-conversations/main.ts
//
// `.ts` files are compiled on load with esbuild (a devDependency of this repository), and `./x.js` imports find `x.ts`.
// `tiledesk-sdk` resolves to this package itself (package.json "exports" → dist/, built by `npm install` or
// `npm run build`), exactly what an app that installed it gets. With TILEDESK_SDK_FROM=src it resolves to src/ instead,
// so changes to the SDK are picked up without rebuilding.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
