/**
 * The two REST internals the importer relies on: the UTF-8 size of a chunk (ASCII without encoding a copy; chunks
 * must stay under the server's byte limit), and `messages.import` sending messages the importer already prepared
 * without preparing them again — while anything else, even an object that looks prepared, is still validated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiledeskClient, ValidationError, type ImportMessage } from '../../src/index.js';
import { jsonUtf8Length, prepareMessage } from '../../src/rest/import.js';
import { startTiledeskServer } from '../../src/testing/index.js';
import { prng } from './helpers.js';

describe('jsonUtf8Length', () => {
  it('equals the encoded size of JSON.stringify output for any text, lone surrogates included', () => {
    const random = prng(3);
    const pool = ['a', 'é', 'ß', '€', '漢', '👋', '🏽', '\ud800', '\udfff', '\u0000', '"', '\\', '\u2028', '\u07ff', '\u0800', '\uffff'];
    for (let n = 0; n < 500; n++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => pool[Math.floor(random() * pool.length)]).join('');
      const json = JSON.stringify({ text });
      expect(jsonUtf8Length(json)).toBe(Buffer.byteLength(json, 'utf8'));
    }
  });
});

describe('messages.import with prepared messages', () => {
  let server: Awaited<ReturnType<typeof startTiledeskServer>>;
  let client: TiledeskClient;
  const bodies: string[] = [];
  beforeAll(async () => {
    server = await startTiledeskServer();
    client = new TiledeskClient({
      baseUrl: server.url, projectId: server.project.id, auth: { token: server.owner.token },
      fetch: async (url, init) => {
        if (url.endsWith('/multi') && init.body) bodies.push(init.body);
        return fetch(url, init);
      },
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('sends them as prepared (serialised once), mixed with plain ones', async () => {
    const { request_id } = await client.requests.create({ first_text: 'prepared' });
    const prepared = prepareMessage({ text: 'p', timestamp: 5 }, 0, 512_000);
    const saved = await client.messages.import(request_id, [prepared as unknown as ImportMessage, { text: 'q', timestamp: 6 }]);
    expect(saved.map((m) => [m.text, (m.attributes as { clienttimestamp: number }).clienttimestamp])).toEqual([['p', 5], ['q', 6]]);
    expect(bodies.at(-1)).toBe(`[${prepared.json},${JSON.stringify({ text: 'q', attributes: { clienttimestamp: 6 } })}]`);
  });

  it('an object that only looks prepared (no brand, e.g. parsed from JSON) is validated like any other', async () => {
    const { request_id } = await client.requests.create({ first_text: 'forged' });
    const forged = JSON.parse(JSON.stringify(prepareMessage({ text: 'x' }, 0, 512_000))) as ImportMessage;
    const error = await client.messages.import(request_id, [{ ...forged, text: '' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
  });
});
