import { join } from 'node:path';
import { root, spawnNode, type Child } from '../cli/helpers.js';

export { root, within } from '../cli/helpers.js';

/**
 * Runs an example exactly as its README says (`node --import ./examples/register.mjs <file>`), against the SDK's
 * sources (TILEDESK_SDK_FROM=src) so the test does not depend on a fresh `npm run build`.
 */
export function runExample(file: string, args: string[], env: Record<string, string | undefined>): Child {
  return spawnNode(['--import', './examples/register.mjs', join(root, file), ...args], { TILEDESK_SDK_FROM: 'src', ...env });
}
