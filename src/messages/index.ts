// Widget messages entry point: `import { text, buttons } from 'tiledesk-sdk/messages'`.
export {};
