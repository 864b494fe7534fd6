/** Repository root (with a trailing slash). */
export declare const repositoryRoot: string;
/** Public entry of the package → its source file, relative to the repository root. */
export declare const SDK_ENTRIES: Readonly<Record<'tiledesk-sdk' | 'tiledesk-sdk/schemas' | 'tiledesk-sdk/realtime' | 'tiledesk-sdk/messages' | 'tiledesk-sdk/testing' | 'tiledesk-sdk/node', string>>;
/** The package's `#…` imports → their source files: `node` (undici, ws) and `browser` (fetch, the global WebSocket). */
export declare const PACKAGE_IMPORTS: Readonly<Record<'#default-transport' | '#websocket', Readonly<{ node: string; browser: string }>>>;
/** True when TILEDESK_SDK_FROM=src. */
export declare function sdkFromSource(env?: Record<string, string | undefined>): boolean;
