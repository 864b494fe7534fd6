/**
 * Project labels (`/<pid>/labels`) beyond the conformance scenario `labels.project`: removing a language (which the
 * real server, on MongoDB, does with a `$pull` the conformance suite's in-memory database ignores), the package's
 * built-in labels this server does not have, and the saves that fail validation.
 */
import { describe, expect, it } from 'vitest';
import { fileServer, http, type Json } from './helpers.js';

const local = fileServer();

/** A new project of the owner on the shared server, and the path of its labels. */
async function newProject(name: string) {
  const server = local.server;
  const token = server.owner.token;
  const project = (await http(server, 'POST', '/projects', { token, body: { name } })).json as Json;
  return { server, token, labels: `/${project._id}/labels` };
}

describe('project labels', () => {
  it('deleting a language removes it: GET /:lang then answers the default language', async () => {
    const { server, token, labels } = await newProject('Labels');
    await http(server, 'POST', labels, { token, body: { lang: 'FR', data: { greeting: 'Bonjour' } } });
    await http(server, 'POST', labels, { token, body: { lang: 'IT', data: { greeting: 'Ciao' } } });

    const deleted = await http(server, 'DELETE', `${labels}/IT`, { token });
    expect([deleted.status, (deleted.json as Json).lang, (deleted.json as Json).default]).toEqual([200, 'FR', true]);
    const all = (await http(server, 'GET', labels)).json as Json;
    expect(all.data.map((l: Json) => l.lang)).toEqual(['FR']);
    expect((await http(server, 'DELETE', `${labels}/IT`, { token })).status).toBe(404);
  });

  it("the package's built-in labels are not here: the defaults routes, and GET /:lang without stored labels, are Express's 404", async () => {
    const { server, token, labels } = await newProject('No labels');
    for (const [method, path] of [['GET', `${labels}/default`], ['GET', `${labels}/default/IT`], ['POST', `${labels}/default/clone`], ['GET', `${labels}/EN`]] as const) {
      const answer = await http(server, method, path, { token, body: method === 'POST' ? { lang: 'IT' } : undefined });
      expect([answer.status, answer.text]).toEqual([404, expect.stringContaining(`Cannot ${method} ${path}`)]);
    }
    // A language that is not `default` still goes to `/:lang`: PATCH /default/default and DELETE /default are routes.
    expect((await http(server, 'PATCH', `${labels}/default/default`, { token })).json).toEqual({ success: false, msg: 'Lang not found' });
    expect((await http(server, 'DELETE', `${labels}/default`, { token })).json).toEqual({ success: false, msg: 'Object not found.' });
  });

  it('a save that fails validation stores nothing: an object lang, a default that is not a Boolean', async () => {
    const { server, token, labels } = await newProject('Invalid labels');
    expect((await http(server, 'POST', labels, { token, body: { lang: { a: 1 }, data: {} } })).status).toBe(500);
    expect((await http(server, 'GET', labels)).json).toEqual({});
    await http(server, 'POST', labels, { token, body: { lang: 'EN', data: { a: 'b' } } });
    expect((await http(server, 'POST', labels, { token, body: { lang: 'IT', data: {}, default: 'maybe' } })).status).toBe(500);
    const all = (await http(server, 'GET', labels)).json as Json;
    expect(all.data.map((l: Json) => [l.lang, l.default])).toEqual([['EN', true]]);
    // `default: "yes"` casts to true, but only the literal `true` unsets the previous default.
    const yes = await http(server, 'POST', labels, { token, body: { lang: 'IT', data: {}, default: 'yes' } });
    expect((yes.json as Json).default).toBe(true);
    const after = (await http(server, 'GET', labels)).json as Json;
    expect(after.data.map((l: Json) => [l.lang, l.default])).toEqual([['EN', true], ['IT', true]]);
  });

  it('a default that is null fails the save (the entry\'s `default` is a required Boolean): 500, nothing stored', async () => {
    const { server, token, labels } = await newProject('Null default');
    await http(server, 'POST', labels, { token, body: { lang: 'EN', data: { a: 'b' } } });
    const refused = await http(server, 'POST', labels, { token, body: { lang: 'IT', data: {}, default: null } });
    expect([refused.status, refused.json]).toEqual([500, { success: false, msg: 'Error saving object.' }]);
    const all = (await http(server, 'GET', labels)).json as Json;
    expect(all.data.map((l: Json) => [l.lang, l.default])).toEqual([['EN', true]]);
  });

  it('an empty lang fails the save (required String): 500', async () => {
    const { server, token, labels } = await newProject('Empty lang');
    expect((await http(server, 'POST', labels, { token, body: { lang: '', data: { a: 'b' } } })).status).toBe(500);
    await http(server, 'POST', labels, { token, body: { lang: 'EN', data: { a: 'b' } } });
    expect((await http(server, 'POST', labels, { token, body: { lang: '', data: { a: 'b' } } })).status).toBe(500);
    expect(((await http(server, 'GET', labels)).json as Json).data.map((l: Json) => l.lang)).toEqual(['EN']);
  });

  it('routes are case-insensitive: /DEFAULT is the defaults route (not here), not GET /:lang', async () => {
    const { server, token, labels } = await newProject('Case');
    await http(server, 'POST', labels, { token, body: { lang: 'EN', data: { a: 'b' } } });
    expect((await http(server, 'GET', `${labels}/EN`)).status).toBe(200);
    for (const path of [`${labels}/DEFAULT`, `${labels}/Default/IT`]) expect((await http(server, 'GET', path)).status).toBe(404);
  });

  it('a save answers what GET /<lang> answers: a lang spelled "Default" or holding a "/" is saved, then 404', async () => {
    const { server, token, labels } = await newProject('Forward');
    await http(server, 'POST', labels, { token, body: { lang: 'EN', data: { a: 'b' } } });
    for (const lang of ['Default', 'x/y']) expect((await http(server, 'POST', labels, { token, body: { lang, data: { a: 'b' } } })).status).toBe(404);
    expect(((await http(server, 'GET', labels)).json as Json).data.map((l: Json) => l.lang)).toEqual(['EN', 'Default', 'x/y']);
  });

  it('DELETE / of a project without labels answers the driver result with nothing removed', async () => {
    const { server, token, labels } = await newProject('Nothing to delete');
    expect((await http(server, 'DELETE', labels, { token })).json).toEqual({ n: 0, ok: 1, deletedCount: 0 });
  });
});
