/** Repository root (with a trailing slash). */
export declare const repositoryRoot: string;
/** Public entry of the package → its source file, relative to the repository root. */
export declare const SDK_ENTRIES: Readonly<Record<'tiledesk-sdk' | 'tiledesk-sdk/schemas' | 'tiledesk-sdk/realtime' | 'tiledesk-sdk/messages' | 'tiledesk-sdk/testing' | 'tiledesk-sdk/node', string>>;
/** `#default-transport` source files: `node` (undici) and `browser` (fetch). */
export declare const DEFAULT_TRANSPORT: Readonly<{ node: string; browser: string }>;
/** True when TILEDESK_SDK_FROM=src. */
export declare function sdkFromSource(env?: Record<string, string | undefined>): boolean;
