/**
 * Marks a source iterator whose `return()` settles promptly even while a `next()` is still pending (it ends that
 * read itself), so the importer can wait for it. The built-in `return()` of an async generator cannot: it is queued
 * until the generator reaches its next `yield`, which for a source stuck on a read may be never; unmarked sources
 * are therefore asked to close without being waited for. `Symbol.for`: the `node` entry point is bundled apart.
 */
export const CLOSES_PROMPTLY: unique symbol = Symbol.for('tiledesk-sdk.import.closesPromptly') as never;
