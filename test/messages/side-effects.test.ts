import { describe, expect, it } from 'vitest';
import * as zodCore from 'zod/v4/core';

describe('importing tiledesk-sdk/messages', () => {
  it('touches no globals and leaves zod’s global configuration alone', async () => {
    const globalsBefore = Object.getOwnPropertyNames(globalThis).sort();
    const configBefore = { ...zodCore.config() };
    const messages = await import('../../src/messages/index.js');
    expect(typeof messages.text).toBe('function');
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globalsBefore);
    expect({ ...zodCore.config() }).toEqual(configBefore);
  });
});
