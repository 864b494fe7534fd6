import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

/**
 * `parseArgs` for a command, except that a flag taking a value given more than once (`--url A --url B`,
 * `--checkpoint=x --checkpoint y`) is a usage error naming it: `parseArgs` keeps the last one, a silent choice
 * between two values when a shell alias or a script adds the flag that the user also typed. A repeated boolean flag
 * (`--plain --plain`) means what it means once, and is accepted. The values are never quoted: one may be a token
 * or a password.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): Pick<ReturnType<typeof parseArgs<T>>, 'values' | 'positionals'> {
  const { values, positionals, tokens } = parseArgs({ ...config, tokens: true });
  const given = new Map<string, number>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const option = config.options?.[token.name];
    if (option?.type !== 'string' || option.multiple === true) continue;
    given.set(token.name, (given.get(token.name) ?? 0) + 1);
  }
  for (const [name, times] of given) {
    if (times > 1) throw new UsageError(`--${name} was given ${times === 2 ? 'twice' : `${times} times`}: pass it once`);
  }
  return { values, positionals } as Pick<ReturnType<typeof parseArgs<T>>, 'values' | 'positionals'>;
}
