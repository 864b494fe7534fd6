#!/usr/bin/env node
// The `tiledesk-sdk` command line (import, tail, demo). Node only; built to dist/cli.js.
export {};
