import type { ScenarioContext } from '../harness/context.js';
import {
  addMember,
  bareToken,
  ownerWithProject,
  PASSWORD,
  type Project,
  projectUserIdOf,
  signInGuest,
  signUp,
} from '../harness/flows.js';
import { scenario } from '../harness/scenario.js';
import type { RawSocket } from '../harness/ws.js';

const subscribe = (socket: RawSocket, topic: string) => socket.send({ action: 'subscribe', payload: { topic } });
const PING = { action: 'heartbeat', payload: { message: { text: 'ping' } } };

/** How long to wait for a frame that should come; a missing frame then shows up as a difference. */
const FRAME_WAIT_MS = 4_000;
/** Listening time after the last expected frame, so that unexpected ones show up too. */
const SILENCE_MS = 1_200;
/** The real list route never answers a `project_user` that does not cast. */
const HANG_TIMEOUT_MS = 2_000;

function isPong(data: unknown): boolean {
  const frame = data as { action?: unknown; payload?: { message?: { text?: unknown } } } | null;
  return frame?.action === 'heartbeat' && frame.payload?.message?.text === 'pong';
}

/** A ping→pong round trip, then a silence window: every frame the server meant to send by now is in. */
async function quiet(socket: RawSocket): Promise<void> {
  const pongsBefore = socket.frames.filter((f) => isPong(f.data)).length;
  socket.send(PING);
  await socket.waitFor(() => socket.frames.filter((f) => isPong(f.data)).length > pongsBefore, FRAME_WAIT_MS);
  await socket.settle(SILENCE_MS);
}

/** Posts an event as a recorded step and names its `_id`. */
async function postEvent(ctx: ScenarioContext, project: Project, step: string, auth: Parameters<ScenarioContext['call']>[1]['auth'], json: unknown, name?: string): Promise<{ _id?: string; project_user?: string }> {
  const response = await ctx.call(step, { method: 'POST', path: `/${project.id}/events`, auth, json });
  const event = (response.json ?? {}) as { _id?: string; project_user?: string };
  if (name) ctx.alias(event._id, name);
  return event;
}

/** A second project, owned by `account`; its id is masked as `otherPid` (the flows' createProject names it `pid`). */
async function otherProject(ctx: ScenarioContext, token: string): Promise<string> {
  const response = await ctx.setup('create the other project', { method: 'POST', path: '/projects', auth: { jwt: token }, json: { name: 'Other Project' } });
  const id = (response.json as { _id: string })._id;
  ctx.alias(id, 'otherPid');
  return id;
}

export const eventScenarios = [
  scenario('events.rest', 'project events over REST: who may post, validation, saved fields, list paging/sort/filter, get by id', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const P = project.id;
    const owner = { jwt: project.owner.token };
    await projectUserIdOf(ctx, project, project.owner);
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const guest = await signInGuest(ctx, project);
    const outsider = await signUp(ctx, 'outsider');
    const otherPid = await otherProject(ctx, outsider.token);

    // Who may post, and what is saved: only name and attributes come from the body (minimized like any Mongoose doc).
    const typing = await postEvent(ctx, project, 'owner posts', owner, { name: 'typing', attributes: { a: 1, nested: { deep: true } } }, 'ev1');
    await postEvent(ctx, project, 'owner posts other fields (ignored) and empty attributes', owner, {
      name: 'ignored',
      attributes: {},
      status: 'volatile',
      project_user: agent.projectUserId,
      createdBy: 'someone',
      id_project: otherPid,
    });
    await postEvent(ctx, project, 'agent posts odd attributes', { jwt: agent.token }, { name: 'hello', attributes: { empty: {}, none: null, list: [1, {}] } }, 'ev3');
    const guestEvent = await postEvent(ctx, project, 'guest posts', { jwt: guest.token }, { name: 'visitor', attributes: 'plain string' });
    ctx.alias(guestEvent.project_user, 'guest.puId');
    await postEvent(ctx, project, 'owner posts with Basic, a numeric name', { basic: [project.owner.email, PASSWORD] }, { name: 5, attributes: null });

    // Refusals and validation.
    const post = (step: string, json: unknown, auth: Parameters<ScenarioContext['call']>[1]['auth'] | null = owner) =>
      ctx.call(step, { method: 'POST', path: `/${P}/events`, auth: auth ?? undefined, json });
    await post('missing name', { attributes: { a: 1 } });
    await post('empty name', { name: '' });
    await post('null name', { name: null });
    await post('empty array name', { name: [] });
    await post('array name', { name: ['a', 'b'] });
    await post('object name', { name: { x: 1 } });
    await post('JSON array body', [{ name: 'x' }]);
    await ctx.call('malformed JSON', { method: 'POST', path: `/${P}/events`, auth: owner, raw: '{"name":' });
    await post('no credentials', { name: 'x' }, null);
    await post('a user of another project', { name: 'x' }, { jwt: outsider.token });
    await ctx.call('PUT is not routed', { method: 'PUT', path: `/${P}/events`, auth: owner, json: { name: 'x' } });
    await ctx.call('POST to an id is not routed', { method: 'POST', path: `/${P}/events/x`, auth: owner, json: { name: 'x' } });

    // The list: agent+, 40 per page, createdAt descending unless told otherwise.
    const list = (step: string, query = '', auth: Parameters<ScenarioContext['call']>[1]['auth'] = owner, timeoutMs?: number) =>
      ctx.call(step, { method: 'GET', path: `/${P}/events${query}`, auth, timeoutMs });
    await list('list (owner)');
    await list('list (agent), ascending', '?direction=1', { jwt: agent.token });
    await list('list by name ascending', '?sort=name&direction=asc');
    await list('list of one project_user', `?project_user=${agent.projectUserId}`);
    await list('list page 1 (past the end), ?limit is ignored', '?page=1&limit=1');
    await list('list with a non-numeric page', '?page=abc');
    await list('list with an invalid direction', '?direction=abc');
    await list('list with a project_user that does not cast: no answer', '?project_user=bad', owner, HANG_TIMEOUT_MS);
    await list('list (guest)', '', { jwt: guest.token });
    await list('list (a user of another project)', '', { jwt: outsider.token });

    // One event: agent+, looked up by id in every project.
    const id = typing._id ?? 'missing';
    await ctx.call('get one', { method: 'GET', path: `/${P}/events/${id}`, auth: owner });
    await ctx.call('get one through another project', { method: 'GET', path: `/${otherPid}/events/${id}`, auth: { jwt: outsider.token } });
    await ctx.call('get one (guest)', { method: 'GET', path: `/${P}/events/${id}`, auth: { jwt: guest.token } });
    await ctx.call('get an unknown id', { method: 'GET', path: `/${P}/events/${'0'.repeat(24)}`, auth: owner });
    await ctx.call('get an id that does not cast', { method: 'GET', path: `/${P}/events/bad`, auth: owner });
  }),

  scenario('events.live', 'project events on the WebSocket: a live CREATE on the poster\'s project_user topic, snapshots newest first (20), name filter', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const P = project.id;
    const owner = { jwt: project.owner.token };
    const ownerPu = await projectUserIdOf(ctx, project, project.owner);
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const guest = await signInGuest(ctx, project);
    const outsider = await signUp(ctx, 'outsider');
    const otherPid = await otherProject(ctx, outsider.token);
    // A guest without an e-mail passes the membership check of any project, with no project_user there.
    const stranger = await signInGuest(ctx, { id: otherPid, owner: outsider }, 'stranger');
    const firstGuestEvent = await ctx.setup('the guest posts once (its project_user id)', { method: 'POST', path: `/${P}/events`, auth: { jwt: guest.token }, json: { name: 'first' } });
    const guestPu = (firstGuestEvent.json as { project_user: string }).project_user;
    ctx.alias(guestPu, 'guest.puId');

    const ownerTopic = `/${P}/events/${ownerPu}`;
    const agentTopic = `/${P}/events/${agent.projectUserId}`;
    const guestTopic = `/${P}/events/${guestPu}`;
    const ownerTyping = `${ownerTopic}/typing`;
    const socket = await ctx.open(bareToken(project.owner.token));
    for (const topic of [ownerTopic, agentTopic, guestTopic, ownerTyping]) subscribe(socket, topic);
    await socket.waitFor(() => [ownerTopic, agentTopic, guestTopic, ownerTyping].every((t) => socket.framesOn(t).length >= 1), FRAME_WAIT_MS);
    await quiet(socket);
    ctx.frames('snapshots', socket);

    await postEvent(ctx, project, 'owner posts', owner, { name: 'typing', attributes: { a: 1 } }, 'ev1');
    await socket.waitForTopic(ownerTopic, 2, FRAME_WAIT_MS);
    await quiet(socket);
    ctx.frames('owner event: CREATE on the owner topic only (not the name-suffixed one)', socket);

    await postEvent(ctx, project, 'agent posts', { jwt: agent.token }, { name: 'hello' }, 'ev2');
    await socket.waitForTopic(agentTopic, 2, FRAME_WAIT_MS);
    await quiet(socket);
    ctx.frames('agent event: CREATE on the agent topic, seen by the owner', socket);

    await postEvent(ctx, project, 'guest posts', { jwt: guest.token }, { name: 'visitor', attributes: { page: '/pricing' } }, 'ev3');
    await socket.waitForTopic(guestTopic, 2, FRAME_WAIT_MS);
    await quiet(socket);
    ctx.frames('guest event: user is the token payload', socket);

    await postEvent(ctx, project, 'owner posts with Basic', { basic: [project.owner.email, PASSWORD] }, { name: 'typing' }, 'ev4');
    await socket.waitForTopic(ownerTopic, 3, FRAME_WAIT_MS);
    await quiet(socket);
    ctx.frames('Basic event: user is the selected fields, hash included', socket);

    await postEvent(ctx, project, 'a member-less caller posts', { jwt: stranger.token }, { name: 'stranger' }, 'ev5');
    await quiet(socket);
    ctx.frames('no project_user: no frame at all', socket);

    for (let i = 0; i < 20; i++) {
      await ctx.setup(`owner posts tick ${i}`, { method: 'POST', path: `/${P}/events`, auth: owner, json: { name: i % 2 === 0 ? 'even' : 'odd', attributes: { i } } });
    }
    await socket.waitForTopic(ownerTopic, 23, FRAME_WAIT_MS);
    await quiet(socket);
    // Counted, not recorded frame by frame (the socket's later frames are never recorded).
    ctx.record('live frames of the 20 ticks on the owner topic', socket.framesOn(ownerTopic).length - 3);

    // A later subscription, by a user who is not a member: the snapshot has no permission check.
    ctx.alias(P.toUpperCase(), 'PID');
    ctx.alias(ownerPu.toUpperCase(), 'OWNER.PUID');
    const late = await ctx.open(bareToken(outsider.token));
    const topics = [ownerTopic, `${ownerTopic}/typing`, `${ownerTopic}/odd`, agentTopic, `/${P.toUpperCase()}/events/${ownerPu}`, `/${P}/events/${ownerPu.toUpperCase()}`];
    for (const topic of topics) subscribe(late, topic);
    subscribe(late, `/${P}/events/bad`);
    await late.waitFor(() => topics.every((t) => late.framesOn(t).length >= 1), FRAME_WAIT_MS);
    await quiet(late);
    ctx.frames('later snapshots: newest 20 first, filtered by a name suffix, none for an id that does not cast', late);

    await postEvent(ctx, project, 'owner posts again', owner, { name: 'odd' }, 'ev6');
    await late.waitForTopic(ownerTopic, 2, FRAME_WAIT_MS);
    await quiet(late);
    ctx.frames('live frames reach exact topics only', late);
  }),
];
