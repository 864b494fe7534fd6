import { beforeAll, describe, expect, it } from 'vitest';
import { startTiledeskServer } from '../../src/testing/index.js';
import { fileServer, http, type Json } from './helpers.js';

// List endpoints sort like MongoDB (the production database): strings by code point (bytes of UTF-8), so upper
// case before lower case and accented letters after ASCII; arrays by their smallest (ascending) or largest
// (descending) element; missing values first ascending.

const local = fileServer();

describe('string sort order', () => {
  const names = ['bob', 'Émile', 'Zoe', 'alice', '😀 smiley', '\uff21 fullwidth A', 'Alice'];

  beforeAll(async () => {
    for (const fullname of names) {
      expect((await http(local.server, 'POST', `/${local.P}/leads`, { token: local.server.owner.token, body: { fullname } })).status).toBe(200);
    }
    expect((await http(local.server, 'POST', `/${local.P}/leads`, { token: local.server.owner.token, body: { email: 'no-name@example.com' } })).status).toBe(200);
  });

  const fullnames = async (query: string) => {
    const res = await http(local.server, 'GET', `/${local.P}/leads${query}`, { token: local.server.owner.token });
    expect(res.status).toBe(200);
    return ((res.json as Json).leads as Json[]).map((lead) => lead.fullname ?? null);
  };

  it('orders leads by code point, missing values first (ascending)', async () => {
    expect(await fullnames('?sort=fullname&direction=1')).toEqual([null, 'Alice', 'Zoe', 'alice', 'bob', 'Émile', '\uff21 fullwidth A', '😀 smiley']);
  });

  it('reverses exactly for descending', async () => {
    expect(await fullnames('?sort=fullname&direction=-1')).toEqual(['😀 smiley', '\uff21 fullwidth A', 'Émile', 'bob', 'alice', 'Zoe', 'Alice', null]);
  });

  it('orders conversations by a string field the same way', async () => {
    for (const subject of ['beta', 'Alpha', 'alpha']) {
      expect((await http(local.server, 'POST', `/${local.P}/requests`, { token: local.server.owner.token, body: { first_text: 'x', subject } })).status).toBe(200);
    }
    const res = await http(local.server, 'GET', `/${local.P}/requests?sort=subject&direction=1`, { token: local.server.owner.token });
    expect(((res.json as Json).requests as Json[]).map((r) => r.subject)).toEqual(['Alpha', 'alpha', 'beta']);
  });
});

describe('array sort keys', () => {
  it('sorts by the smallest element ascending and the largest descending', async () => {
    const isolated = await startTiledeskServer();
    try {
      const token = isolated.owner.token;
      const pid = isolated.project.id;
      const ids: Record<string, string> = {};
      for (const [name, tags] of [
        ['b-and-y', ['b', 'y']],
        ['c-only', ['c']],
        ['a-and-x', ['x', 'a']],
      ] as const) {
        const created = (await http(isolated, 'POST', `/${pid}/requests`, { token, body: { first_text: name } })).json as Json;
        ids[created.request_id] = name;
        expect((await http(isolated, 'PUT', `/${pid}/requests/${created.request_id}/tag`, { token, body: tags.map((tag) => ({ tag })) })).status).toBe(200);
      }
      const order = async (direction: number) => {
        const res = await http(isolated, 'GET', `/${pid}/requests?sort=tags.tag&direction=${direction}`, { token });
        return ((res.json as Json).requests as Json[]).map((r) => ids[r.request_id]);
      };
      expect(await order(1)).toEqual(['a-and-x', 'b-and-y', 'c-only']);
      expect(await order(-1)).toEqual(['b-and-y', 'a-and-x', 'c-only']);
    } finally {
      await isolated.close();
    }
  });

  it('puts an empty array before a missing value ascending, and after it descending', async () => {
    const isolated = await startTiledeskServer();
    try {
      const token = isolated.owner.token;
      const pid = isolated.project.id;
      const names: Record<string, string> = {};
      for (const [name, attributes] of [
        ['empty', { k: [] }],
        ['five', { k: 5 }],
        ['missing', { other: 1 }],
      ] as const) {
        const created = (await http(isolated, 'POST', `/${pid}/requests`, { token, body: { first_text: name, attributes } })).json as Json;
        names[created.request_id] = name;
      }
      const order = async (direction: number) => {
        const res = await http(isolated, 'GET', `/${pid}/requests?sort=attributes.k&direction=${direction}`, { token });
        return ((res.json as Json).requests as Json[]).map((r) => names[r.request_id]);
      };
      expect(await order(1)).toEqual(['empty', 'missing', 'five']);
      expect(await order(-1)).toEqual(['five', 'missing', 'empty']);
    } finally {
      await isolated.close();
    }
  });
});
