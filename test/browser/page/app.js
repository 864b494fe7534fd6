// The page's own code, as a user's app would write it: the four browser entries imported by package name. The
// suite copies this file into a scratch app outside the repository whose node_modules/tiledesk-sdk is the package
// as built (tsup), and bundles it with esbuild for the browser. Plain JavaScript so the repository's typecheck,
// which resolves `tiledesk-sdk` to its own source, never looks at it.
import * as rest from 'tiledesk-sdk';
import * as realtime from 'tiledesk-sdk/realtime';
import * as messages from 'tiledesk-sdk/messages';
import * as messageSchemas from 'tiledesk-sdk/messages/schemas';

window.TD = { rest, realtime, messages, messageSchemas };
document.documentElement.dataset.ready = 'true';
