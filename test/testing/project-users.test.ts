import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { http, httpOrTimeout, type Json } from './helpers.js';

let server: TiledeskTestServer;
let P: string;

beforeAll(async () => {
  server = await startTiledeskServer();
  P = server.project.id;
});
afterAll(() => server.close());

async function signUp(email: string): Promise<{ token: string; userId: string }> {
  const password = 'pass-word-1';
  expect((await http(server, 'POST', '/auth/signup', { body: { email, password, firstname: 'Sue', lastname: 'Search' } })).status).toBe(200);
  const signin = (await http(server, 'POST', '/auth/signin', { body: { email, password } })).json as Json;
  return { token: signin.token, userId: signin.user._id };
}

describe('GET /<pid>/project_users/users/search', () => {
  const search = (query: string, token: string) => http(server, 'GET', `/${P}/project_users/users/search${query}`, { token });

  it('answers the user id (not the project_user id) of a teammate, for agents too', async () => {
    const res = await search(`?email=${encodeURIComponent(server.owner.email)}`, server.agent.token);
    expect([res.status, res.json]).toEqual([200, { _id: server.owner.userId }]);
    expect((res.json as Json)._id).not.toBe(server.owner.projectUserId);
  });

  it('matches the e-mail exactly: upper case or a missing parameter is 404', async () => {
    for (const query of [`?email=${encodeURIComponent(server.agent.email.toUpperCase())}`, '', '?email=']) {
      const res = await search(query, server.owner.token);
      expect([res.status, res.json]).toEqual([404, { success: false, msg: 'Object not found.' }]);
    }
  });

  it('treats a repeated email parameter as a list', async () => {
    const res = await search(`?email=nobody%40example.com&email=${encodeURIComponent(server.agent.email)}`, server.owner.token);
    expect([res.status, res.json]).toEqual([200, { _id: server.agent.userId }]);
  });

  it('refuses users who are not teammates with 403 (no success key)', async () => {
    await signUp('outsider@example.com');
    const res = await search('?email=outsider%40example.com', server.owner.token);
    expect([res.status, res.json]).toEqual([403, { msg: 'Unauthorized. This is not a your teammate.' }]);
  });

  it('needs the user role: guests get 403, non-members "you dont belong to the project."', async () => {
    const guest = (await http(server, 'POST', '/auth/signinAnonymously', { body: { id_project: P } })).json as Json;
    const asGuest = await search(`?email=${encodeURIComponent(server.owner.email)}`, guest.token);
    expect([asGuest.status, asGuest.json]).toEqual([403, { success: false, msg: 'you dont have the required role.' }]);
    const stranger = await signUp('stranger@example.com');
    const asStranger = await search(`?email=${encodeURIComponent(server.owner.email)}`, stranger.token);
    expect([asStranger.status, asStranger.json]).toEqual([403, { success: false, msg: 'you dont belong to the project.' }]);
  });

  it('never answers an email value Mongoose cannot cast (an object without operators)', async () => {
    const res = await httpOrTimeout(server, 'GET', `/${P}/project_users/users/search?email[foo]=x`, { token: server.owner.token, timeoutMs: 300 });
    expect(res).toBe('timeout');
  });
});
