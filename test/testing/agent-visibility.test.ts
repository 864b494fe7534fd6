/**
 * What agents see of their departments' conversations. tiledesk-server stores `snapshot.agents` (the agents routing
 * considered: the department's group, or every agent of the project) just after creating a conversation and on every
 * saved routing; an agent sees the conversations listing them there (`request_read_group`) as well as those they take
 * part in: REST lists, the `/<pid>/requests` snapshot and `/messages` subscriptions. (The loopback real server's
 * in-memory database used to lose `snapshot.agents` on the first read, hiding those conversations; see
 * scripts/real-server/harness/db/exclusion.mjs.)
 */
import { describe, expect, it } from 'vitest';
import { bare, eventually, fileServer, http, type Json, WsClient } from './helpers.js';

const local = fileServer({
  seed: { users: [{ email: 'gina.group@example.com', password: 'pw', firstname: 'Gina', role: 'agent', available: false }] },
});

/** The seeded agent outside every group, unavailable (routing never assigns her): her token and user id. */
async function gina(): Promise<{ token: string; userId: string }> {
  const signin = (await http(local.server, 'POST', '/auth/signin', { body: { email: 'gina.group@example.com', password: 'pw' } })).json as Json;
  return { token: signin.token as string, userId: (signin.user as Json)._id as string };
}

/** A conversation the owner opens and takes part in, once the server's deferred write of `snapshot.agents` ran. */
async function ownersConversation(text: string, departmentid?: string): Promise<Json> {
  const { server, P } = local;
  const body = { first_text: text, participants: [server.owner.userId], ...(departmentid ? { departmentid } : {}) };
  const created = await http(server, 'POST', `/${P}/requests`, { token: server.owner.token, body });
  expect(created.status).toBe(200);
  await eventually(() => server.stats().pendingWrites === 0);
  return created.json as Json;
}

async function listedFor(token: string): Promise<string[]> {
  const list = (await http(local.server, 'GET', `/${local.P}/requests?status=all`, { token })).json as Json;
  return (list.requests as Json[]).map((r) => r.request_id as string);
}

async function wsSnapshotFor(token: string): Promise<string[]> {
  const client = await WsClient.open(`${local.server.wsUrl}?token=${bare(token)}`);
  try {
    const topic = `/${local.P}/requests`;
    client.subscribe(topic);
    const frame = await client.next((f) => f.action === 'publish' && f.payload.topic === topic);
    return (frame.payload.message as Json[]).map((r) => r.request_id as string);
  } finally {
    client.close();
  }
}

async function messagesSnapshotFor(token: string, requestId: string): Promise<unknown> {
  const client = await WsClient.open(`${local.server.wsUrl}?token=${bare(token)}`);
  try {
    const topic = `/${local.P}/requests/${requestId}/messages`;
    client.subscribe(topic);
    return (await client.next((f) => f.action === 'publish' && f.payload.topic === topic)).payload.message;
  } finally {
    client.close();
  }
}

describe('agents and the conversations of their departments', () => {
  it('an agent routing considered sees a conversation it does not take part in: REST list, WS snapshot, messages', async () => {
    const { token } = await gina();
    const request = await ownersConversation('for every agent');
    expect(request.participants).toEqual([local.server.owner.userId]);
    // The default department considers every agent of the project, available or not.
    expect(await listedFor(token)).toContain(request.request_id);
    expect(await wsSnapshotFor(token)).toContain(request.request_id);
    const { server, P } = local;
    await http(server, 'POST', `/${P}/requests/${request.request_id}/messages`, { token: server.owner.token, body: { text: 'hello Gina' } });
    // A refused subscription gets no frame at all.
    expect(await messagesSnapshotFor(token, request.request_id)).toEqual([expect.objectContaining({ text: 'hello Gina' })]);
  });

  it("a group department's conversation is seen by its group's agents only, until a reroute considers others", async () => {
    const { server, P } = local;
    const token = server.owner.token;
    const { token: ginaToken } = await gina();
    const group = (await http(server, 'POST', `/${P}/groups`, { token, body: { name: 'Andy only', members: [server.agent.userId] } })).json as Json;
    const department = (await http(server, 'POST', `/${P}/departments`, { token, body: { name: 'Grouped', id_group: group._id, routing: 'pooled' } }))
      .json as Json;
    const request = await ownersConversation('for the group', department._id);

    expect(await listedFor(server.agent.token)).toContain(request.request_id);
    expect(await wsSnapshotFor(server.agent.token)).toContain(request.request_id);
    expect(await listedFor(ginaToken)).not.toContain(request.request_id);
    expect(await wsSnapshotFor(ginaToken)).not.toContain(request.request_id);

    const departments = (await http(server, 'GET', `/${P}/departments`, { token })).json as Json[];
    const fallback = departments.find((d) => d.default === true)!;
    const rerouted = await http(server, 'PUT', `/${P}/requests/${request.request_id}/departments`, { token, body: { departmentid: fallback._id } });
    expect(rerouted.status).toBe(200);
    expect(await listedFor(ginaToken)).toContain(request.request_id);
  });

  it('a deleted conversation answers with its stored snapshot.agents, project users with their virtuals', async () => {
    const { server, P } = local;
    const { userId: ginaId } = await gina();
    const request = await ownersConversation('to delete');
    const deleted = (await http(server, 'DELETE', `/${P}/requests/${request.request_id}`, { token: server.owner.token })).json as Json;
    const agents = (deleted.snapshot as Json).agents as Json[];
    expect(agents.map((pu) => pu.id_user).sort()).toEqual(
      [server.owner.userId, server.agent.userId, ginaId].sort(),
    );
    expect(agents[0]).toMatchObject({ id: agents[0]!._id, isAuthenticated: true, id_project: P });
  });
});
