import type { ScenarioContext } from '../harness/context.js';
import {
  addMember,
  bareToken,
  createRequest,
  generateProjectSecret,
  newRequestId,
  ownerWithProject,
  type Project,
  projectUserIdOf,
  signInGuest,
  signJwt,
  signUp,
  createProject,
  unknownObjectId,
} from '../harness/flows.js';
import { scenario } from '../harness/scenario.js';
import { isServerPing, type RawSocket } from '../harness/ws.js';

const subscribe = (socket: RawSocket, topic: string) => socket.send({ action: 'subscribe', payload: { topic } });
const unsubscribe = (socket: RawSocket, topic: string) => socket.send({ action: 'unsubscribe', payload: { topic } });
const PING = { action: 'heartbeat', payload: { message: { text: 'ping' } } };
const PONG = { action: 'heartbeat', payload: { message: { text: 'pong' } } };

/** How long to wait for a frame that should come; a missing frame then shows up as a difference. */
const FRAME_WAIT_MS = 4_000;
/** How long to listen for frames that must NOT come (silent refusals, non-canonical topics). */
const SILENCE_MS = 1_200;

/** Sends a ping and waits for the pong: every frame the server sent before it in answer to earlier frames is in. */
async function roundTrip(socket: RawSocket): Promise<void> {
  const pongsBefore = socket.frames.filter((f) => isPong(f.data)).length;
  socket.send(PING);
  await socket.waitFor(() => socket.frames.filter((f) => isPong(f.data)).length > pongsBefore, FRAME_WAIT_MS);
}

function isPong(data: unknown): boolean {
  const frame = data as { action?: unknown; payload?: { message?: { text?: unknown } } } | null;
  return frame?.action === 'heartbeat' && frame.payload?.message?.text === 'pong';
}

async function requestWithMessage(ctx: ScenarioContext, project: Project, name: string): Promise<string> {
  const rid = await createRequest(ctx, project, project.owner, name);
  await ctx.setup(`message in ${name}`, {
    method: 'POST',
    path: `/${project.id}/requests/${rid}/messages`,
    auth: { jwt: project.owner.token },
    json: { text: `a message in ${name}` },
  });
  return rid;
}

export const websocketScenarios = [
  scenario('ws.handshake', 'handshake outcomes: tokens with/without JWT, none, bad, guest hang, project secret, wrong path', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const token = project.owner.token;
    const bare = bareToken(token);
    const guest = await signInGuest(ctx, project);
    const secret = await generateProjectSecret(ctx, project);
    const external = signJwt(
      { _id: unknownObjectId(ctx, 'externalId'), sub: 'userexternal', aud: `https://tiledesk.com/projects/${project.id}` },
      secret,
    );
    const outcomes: Array<[string, Parameters<ScenarioContext['connect']>[1]]> = [
      ['token with the "JWT " prefix (encoded)', { token }],
      ['bare token', { token: bare }],
      ['"JWT+" prefix (plus decodes to a space)', { rawQuery: `?token=JWT+${bare}` }],
      ['no token', { rawQuery: '' }],
      ['empty token', { rawQuery: '?token=' }],
      ['garbage token', { token: 'JWT abc.def.ghi' }],
      ['lower-case "jwt " prefix', { token: `jwt ${bare}` }],
      ['token signed with another secret', { token: signJwt({ _id: project.owner.userId, sub: 'user' }, 'another-secret') }],
      ['project-secret (userexternal) token', { token: external }],
      ['wrong path /ws', { token, path: '/ws' }],
      ['guest token: the upgrade is never answered (2 s timeout)', { token: guest.token, handshakeTimeoutMs: 2_000 }],
    ];
    for (const [step, options] of outcomes) {
      const socket = await ctx.connect(step, options);
      socket?.close();
    }
  }),

  scenario('ws.snapshots', 'subscribe: the snapshot of every topic kind', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const ownerPu = await projectUserIdOf(ctx, project, project.owner);
    const rid = await requestWithMessage(ctx, project, 'rid1');
    const socket = await ctx.open(project.owner.token);
    const topics = [
      `/${project.id}/requests`,
      `/${project.id}/requests/${rid}`,
      `/${project.id}/requests/${rid}/messages`,
      `/${project.id}/requests/${newRequestId(ctx, project, 'unknownRid')}`,
      `/${project.id}/project_users/${ownerPu}`,
      `/${project.id}/project_users/users/${project.owner.userId}`,
      `/${project.id}/events/${ownerPu}`,
      `/${project.id}/bots/${unknownObjectId(ctx, 'unknownBot')}`,
    ];
    // Sent together: the snapshots may arrive in any order across topics (recorded per topic).
    for (const topic of topics) subscribe(socket, topic);
    await socket.waitFor(() => topics.every((topic) => socket.framesOn(topic).length >= 1), FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('one snapshot per topic', socket);
  }),

  scenario('ws.snapshot-contents', 'subscribe: list snapshots skip closed requests; messages in order', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid1 = await requestWithMessage(ctx, project, 'rid1');
    const rid2 = await createRequest(ctx, project, project.owner, 'rid2');
    await ctx.setup('close rid2', { method: 'PUT', path: `/${project.id}/requests/${rid2}/close`, auth: { jwt: project.owner.token } });
    await ctx.setup('second message in rid1', {
      method: 'POST',
      path: `/${project.id}/requests/${rid1}/messages`,
      auth: { jwt: project.owner.token },
      json: { text: 'second', attributes: { k: 'v' } },
    });
    await createRequest(ctx, project, project.owner, 'rid3', { participants: [] });
    const socket = await ctx.open(project.owner.token);
    subscribe(socket, `/${project.id}/requests`);
    await socket.waitForTopic(`/${project.id}/requests`, 1, FRAME_WAIT_MS);
    subscribe(socket, `/${project.id}/requests/${rid1}/messages`);
    await socket.waitForTopic(`/${project.id}/requests/${rid1}/messages`, 1, FRAME_WAIT_MS);
    subscribe(socket, `/${project.id}/requests/${rid2}`);
    await socket.waitForTopic(`/${project.id}/requests/${rid2}`, 1, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('snapshots', socket);
  }),

  scenario('ws.silent-refusal', 'refused subscriptions get no frame at all', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await requestWithMessage(ctx, project, 'rid1');
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const other = await createProject(ctx, await signUp(ctx, 'otherOwner'), 'Other Project');
    ctx.alias(other.id, 'otherPid');
    const owner = await ctx.open(project.owner.token);
    for (const topic of [
      `/${unknownObjectId(ctx, 'missingProject')}/requests`,
      '/not-a-project/requests',
      `/${other.id}/requests`,
      `/${project.id}/project_users/${agent.projectUserId}`,
      `/${project.id}/requests/${newRequestId(ctx, project, 'unknownRid')}/messages`,
    ]) {
      subscribe(owner, topic);
    }
    subscribe(owner, `/${project.id}/requests`);
    await owner.waitForTopic(`/${project.id}/requests`, 1, FRAME_WAIT_MS);
    await owner.settle(SILENCE_MS);
    ctx.frames('owner: only the control topic answers', owner);

    const agentSocket = await ctx.open(agent.token);
    subscribe(agentSocket, `/${project.id}/requests/${rid}/messages`);
    subscribe(agentSocket, `/${project.id}/requests`);
    subscribe(agentSocket, `/${project.id}/requests/${rid}`);
    subscribe(agentSocket, `/${project.id}/project_users/${agent.projectUserId}`);
    await agentSocket.waitFor(
      () =>
        agentSocket.framesOn(`/${project.id}/requests`).length >= 1 &&
        agentSocket.framesOn(`/${project.id}/project_users/${agent.projectUserId}`).length >= 1,
      FRAME_WAIT_MS,
    );
    await agentSocket.settle(SILENCE_MS);
    ctx.frames('agent who does not take part in rid1', agentSocket);
  }),

  scenario('ws.exact-topic', 'topics match exactly: non-canonical spellings get a snapshot but no live events', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await requestWithMessage(ctx, project, 'rid1');
    const socket = await ctx.open(project.owner.token);
    const canonical = [`/${project.id}/requests`, `/${project.id}/requests/${rid}`, `/${project.id}/requests/${rid}/messages`];
    const variants = [
      `/${project.id}/requests/`,
      `/${project.id}/requests/${rid}/`,
      `/${project.id}/requests/${rid}/messages/`,
      `/${project.id}/foo/${rid}/messages`,
    ];
    for (const topic of [...canonical, ...variants]) subscribe(socket, topic);
    await socket.waitFor(() => [...canonical, ...variants].every((t) => socket.framesOn(t).length >= 1), FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('snapshots', socket);
    await ctx.call('patch the request', {
      method: 'PATCH',
      path: `/${project.id}/requests/${rid}`,
      auth: { jwt: project.owner.token },
      json: { subject: 'changed' },
    });
    await ctx.call('post a message', {
      method: 'POST',
      path: `/${project.id}/requests/${rid}/messages`,
      auth: { jwt: project.owner.token },
      json: { text: 'live' },
    });
    await socket.waitFor(
      () =>
        socket.framesOn(canonical[0] as string).length >= 2 &&
        socket.framesOn(canonical[1] as string).length >= 2 &&
        socket.framesOn(canonical[2] as string).length >= 2,
      FRAME_WAIT_MS,
    );
    await socket.settle(SILENCE_MS);
    ctx.frames('live events reach the canonical topics only', socket);
  }),

  scenario('ws.resubscribe', 'subscribing twice re-sends the snapshot but delivers live events once', async (ctx) => {
    const project = await ownerWithProject(ctx);
    await createRequest(ctx, project, project.owner, 'rid1');
    const socket = await ctx.open(project.owner.token);
    const topic = `/${project.id}/requests`;
    subscribe(socket, topic);
    await socket.waitForTopic(topic, 1, FRAME_WAIT_MS);
    subscribe(socket, topic);
    await socket.waitForTopic(topic, 2, FRAME_WAIT_MS);
    ctx.frames('two snapshots', socket);
    await createRequest(ctx, project, project.owner, 'rid2');
    await socket.waitForTopic(topic, 3, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('one live CREATE', socket);
  }),

  scenario('ws.live-create-update', 'live CREATE/UPDATE frames for request and message changes', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const socket = await ctx.open(project.owner.token);
    const list = `/${project.id}/requests`;
    subscribe(socket, list);
    await socket.waitForTopic(list, 1, FRAME_WAIT_MS);
    ctx.frames('empty list snapshot', socket);

    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    await socket.waitForTopic(list, 2, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('a new request: CREATE on the list', socket);

    const one = `/${project.id}/requests/${rid}`;
    const messages = `${one}/messages`;
    subscribe(socket, one);
    subscribe(socket, messages);
    await socket.waitFor(() => socket.framesOn(one).length >= 1 && socket.framesOn(messages).length >= 1, FRAME_WAIT_MS);
    ctx.frames('request and messages snapshots', socket);

    const steps: Array<[string, () => Promise<unknown>, Array<[string, number]>]> = [
      [
        'patch subject: UPDATE on the list and the request',
        () => ctx.setup('patch', { method: 'PATCH', path: one, auth, json: { subject: 'live subject' } }),
        [[list, 3], [one, 2]],
      ],
      [
        'a message: CREATE on messages, nothing on the list',
        () => ctx.setup('message', { method: 'POST', path: `${messages}`, auth, json: { text: 'live message' } }),
        [[messages, 2]],
      ],
      [
        'a multi import: one CREATE per message',
        () => ctx.setup('multi', { method: 'POST', path: `${messages}/multi`, auth, json: [{ text: 'm1' }] }),
        [[messages, 3]],
      ],
      [
        'attributes: UPDATE',
        () => ctx.setup('attributes', { method: 'PATCH', path: `${one}/attributes`, auth, json: { live: true } }),
        [[list, 4], [one, 3]],
      ],
      [
        'a note: UPDATE',
        () => ctx.setup('note', { method: 'POST', path: `${one}/notes`, auth, json: { text: 'live note' } }),
        [[list, 5], [one, 4]],
      ],
      [
        'tags: UPDATE',
        () => ctx.setup('tags', { method: 'PUT', path: `${one}/tag`, auth, json: [{ tag: 'live' }] }),
        [[list, 6], [one, 5]],
      ],
    ];
    for (const [step, action, expected] of steps) {
      await action();
      await socket.waitFor(() => expected.every(([topic, count]) => socket.framesOn(topic).length >= count), FRAME_WAIT_MS);
      await socket.settle();
      ctx.frames(step, socket);
    }

    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'Liv' });
    await ctx.setup('guest starts a conversation', {
      method: 'POST',
      path: `/${project.id}/requests/${newRequestId(ctx, project, 'rid2')}/messages`,
      auth: { jwt: guest.token },
      json: { text: 'hello from a guest' },
    });
    await socket.waitFor(() => socket.framesOn(list).length >= 7, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('a guest conversation: CREATE on the list', socket);
  }),

  scenario('ws.close-flow', 'closing: UPDATE (status 1000) on list and request, "Chat closed" message; reopen', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await requestWithMessage(ctx, project, 'rid1');
    const socket = await ctx.open(project.owner.token);
    const list = `/${project.id}/requests`;
    const one = `${list}/${rid}`;
    const messages = `${one}/messages`;
    for (const topic of [list, one, messages]) subscribe(socket, topic);
    await socket.waitFor(() => [list, one, messages].every((t) => socket.framesOn(t).length >= 1), FRAME_WAIT_MS);
    ctx.frames('snapshots', socket);
    await ctx.call('close', { method: 'PUT', path: `${one}/close`, auth: { jwt: project.owner.token } });
    await socket.waitFor(
      () => socket.framesOn(list).length >= 2 && socket.framesOn(one).length >= 2 && socket.framesOn(messages).length >= 2,
      FRAME_WAIT_MS,
    );
    await socket.settle(SILENCE_MS);
    ctx.frames('close frames', socket);
    await ctx.call('reopen', { method: 'PUT', path: `${one}/reopen`, auth: { jwt: project.owner.token } });
    await socket.waitFor(() => socket.framesOn(list).length >= 3 && socket.framesOn(one).length >= 3, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('reopen frames', socket);
    const fresh = await ctx.open(project.owner.token);
    subscribe(fresh, list);
    await fresh.waitForTopic(list, 1, FRAME_WAIT_MS);
    ctx.frames('a new list snapshot after reopening', fresh);
  }),

  scenario('ws.unsubscribe', 'unsubscribe stops delivery and sends nothing back', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const socket = await ctx.open(project.owner.token);
    const messages = `/${project.id}/requests/${rid}/messages`;
    const list = `/${project.id}/requests`;
    subscribe(socket, messages);
    subscribe(socket, list);
    await socket.waitFor(() => socket.framesOn(messages).length >= 1 && socket.framesOn(list).length >= 1, FRAME_WAIT_MS);
    ctx.frames('snapshots', socket);
    unsubscribe(socket, messages);
    unsubscribe(socket, `/${project.id}/never-subscribed`);
    await roundTrip(socket);
    await ctx.setup('post a message', {
      method: 'POST',
      path: `/${project.id}/requests/${rid}/messages`,
      auth: { jwt: project.owner.token },
      json: { text: 'nobody listens' },
    });
    await ctx.setup('patch the request', {
      method: 'PATCH',
      path: `/${project.id}/requests/${rid}`,
      auth: { jwt: project.owner.token },
      json: { subject: 'still listening to the list' },
    });
    await socket.waitForTopic(list, 2, FRAME_WAIT_MS);
    await socket.settle(SILENCE_MS);
    ctx.frames('only the list topic still delivers', socket);
  }),

  scenario('ws.client-frames', 'me, ping -> pong, and frames the server ignores', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const socket = await ctx.open(project.owner.token);
    socket.send({ action: 'me' });
    await socket.waitFor(() => socket.frames.length >= 1, FRAME_WAIT_MS);
    ctx.frames('me', socket);
    socket.send(PING);
    await socket.waitFor(() => socket.frames.length >= 2, FRAME_WAIT_MS);
    ctx.frames('ping', socket);
    socket.send(PONG);
    socket.send({ action: 'heartbeat', payload: { message: { text: 'hello' } } });
    socket.send({ action: 'heartbeat' });
    socket.send('this is not json');
    socket.send({ action: 'no-such-action', payload: { topic: `/${project.id}/requests` } });
    socket.send({ action: 'subscribe' });
    socket.send({ payload: { topic: `/${project.id}/requests` } });
    socket.sendBinary(new Uint8Array([1, 2, 3]));
    await roundTrip(socket);
    await socket.settle(SILENCE_MS);
    ctx.frames('ignored frames, then one pong for the final ping', socket);
    ctx.closeState('the socket is still open', socket);
  }),

  scenario('ws.publish-relay', 'client publish/broadcast are relayed (no method) to subscribers of the topic', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const topic = `/${project.id}/requests/${rid}`;
    const a = await ctx.open(project.owner.token);
    const b = await ctx.open(project.owner.token);
    const c = await ctx.open(project.owner.token);
    subscribe(a, topic);
    subscribe(b, topic);
    await a.waitForTopic(topic, 1, FRAME_WAIT_MS);
    await b.waitForTopic(topic, 1, FRAME_WAIT_MS);
    ctx.frames('A: snapshot', a);
    ctx.frames('B: snapshot', b);
    a.send({ action: 'publish', payload: { topic, message: { text: 'published by A' } } });
    await a.waitForTopic(topic, 2, FRAME_WAIT_MS);
    await b.waitForTopic(topic, 2, FRAME_WAIT_MS);
    b.send({ action: 'broadcast', payload: { topic, message: { text: 'broadcast by B' }, method: 'CREATE' } });
    await a.waitForTopic(topic, 3, FRAME_WAIT_MS);
    c.send({ action: 'publish', payload: { topic, message: ['from C, not subscribed'] } });
    a.send({ action: 'publish', payload: { topic: `/${project.id}/nobody-listens`, message: { x: 1 } } });
    await a.waitForTopic(topic, 4, FRAME_WAIT_MS);
    await b.waitForTopic(topic, 3, FRAME_WAIT_MS);
    for (const socket of [a, b, c]) await roundTrip(socket);
    await a.settle();
    ctx.frames('A receives its own publish, B\'s broadcast and C\'s publish', a);
    ctx.frames('B receives A\'s publish and C\'s publish, not its own broadcast', b);
    ctx.frames('C (not subscribed) receives nothing but its pong', c);
  }),

  scenario('ws.subscribe-turn', 'a subscription starts after the server\'s lookups: frames right behind it are handled first', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const rid = await createRequest(ctx, project, project.owner, 'rid1');
    const topic = `/${project.id}/requests/${rid}`;
    const a = await ctx.open(project.owner.token);
    // One burst: the publish is handled while the subscription still waits for its database lookups.
    subscribe(a, topic);
    a.send({ action: 'publish', payload: { topic, message: { text: 'right behind the subscribe' } } });
    await a.waitForTopic(topic, 1, FRAME_WAIT_MS);
    await roundTrip(a);
    await a.settle();
    ctx.frames('A: the snapshot only, not its own publish', a);
    a.send({ action: 'publish', payload: { topic, message: { text: 'after the snapshot' } } });
    await a.waitForTopic(topic, 2, FRAME_WAIT_MS);
    ctx.frames('A: its own publish, now that it is subscribed', a);

    const b = await ctx.open(project.owner.token);
    const list = `/${project.id}/requests`;
    // One burst: the unsubscribe finds no subscription to remove; the subscription then starts and stays.
    subscribe(b, list);
    unsubscribe(b, list);
    await b.waitForTopic(list, 1, FRAME_WAIT_MS);
    ctx.frames('B: the snapshot comes after the unsubscribe', b);
    await ctx.call('patch the request', { method: 'PATCH', path: topic, auth: { jwt: project.owner.token }, json: { priority: 'high' } });
    await b.waitForTopic(list, 2, FRAME_WAIT_MS);
    await b.settle();
    ctx.frames('B: still subscribed, the live UPDATE arrives', b);
  }),

  scenario('ws.project-user-update', 'project user changes: UPDATE on both project_user topics', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const ownerPu = await projectUserIdOf(ctx, project, project.owner);
    const socket = await ctx.open(project.owner.token);
    const byId = `/${project.id}/project_users/${ownerPu}`;
    const byUser = `/${project.id}/project_users/users/${project.owner.userId}`;
    subscribe(socket, byId);
    subscribe(socket, byUser);
    await socket.waitFor(() => socket.framesOn(byId).length >= 1 && socket.framesOn(byUser).length >= 1, FRAME_WAIT_MS);
    ctx.frames('snapshots', socket);
    await ctx.call('set myself unavailable', {
      method: 'PUT',
      path: `/${project.id}/project_users`,
      auth: { jwt: project.owner.token },
      json: { user_available: false },
    });
    await socket.waitFor(() => socket.framesOn(byId).length >= 2 && socket.framesOn(byUser).length >= 2, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('UPDATE frames', socket);
  }),

  scenario('ws.live-unfiltered', 'live events are not permission-filtered: an agent sees requests its snapshot hides', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const socket = await ctx.open(agent.token);
    const list = `/${project.id}/requests`;
    subscribe(socket, list);
    await socket.waitForTopic(list, 1, FRAME_WAIT_MS);
    ctx.frames('agent: empty list snapshot', socket);
    // A department whose group is the owner alone: its routing lists only the owner in `snapshot.agents`, so the
    // agent, who takes no part either, may not see the request (in the default department every agent may).
    const auth = { jwt: project.owner.token };
    const group = await ctx.setup('a group of the owner alone', { method: 'POST', path: `/${project.id}/groups`, auth, json: { name: 'Owners', members: [project.owner.userId] } });
    const department = await ctx.setup('a department routing to that group', {
      method: 'POST',
      path: `/${project.id}/departments`,
      auth,
      json: { name: 'Owners only', id_group: (group.json as { _id: string })._id },
    });
    const departmentid = (department.json as { _id: string })._id;
    // Explicit participants: routing assigns nobody else.
    const rid = await createRequest(ctx, project, project.owner, 'rid1', { participants: [project.owner.userId], departmentid });
    await socket.waitForTopic(list, 2, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('the owner creates a request the agent does not take part in', socket);
    const one = `${list}/${rid}`;
    subscribe(socket, one);
    await socket.waitForTopic(one, 1, FRAME_WAIT_MS);
    ctx.frames('agent: the request snapshot is null', socket);
    await ctx.setup('patch', {
      method: 'PATCH',
      path: one,
      auth: { jwt: project.owner.token },
      json: { subject: 'seen by everyone' },
    });
    await socket.waitFor(() => socket.framesOn(list).length >= 3 && socket.framesOn(one).length >= 2, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('the update reaches the agent on both topics', socket);
  }),

  scenario('ws.draft-preflight', 'drafts: CREATE on the list but no list UPDATE; preflight requests: no CREATE', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const socket = await ctx.open(project.owner.token);
    const list = `/${project.id}/requests`;
    subscribe(socket, list);
    await socket.waitForTopic(list, 1, FRAME_WAIT_MS);
    const draft = await createRequest(ctx, project, project.owner, 'draftRid', {
      attributes: { sourcePage: 'https://example.com/widget?td_draft=true' },
    });
    await socket.waitForTopic(list, 2, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('a draft request: CREATE on the list', socket);
    const one = `${list}/${draft}`;
    subscribe(socket, one);
    await socket.waitForTopic(one, 1, FRAME_WAIT_MS);
    await ctx.setup('patch the draft', { method: 'PATCH', path: one, auth, json: { subject: 'draft update' } });
    await socket.waitForTopic(one, 2, FRAME_WAIT_MS);
    await socket.settle(SILENCE_MS);
    ctx.frames('a draft update: UPDATE on the request topic only', socket);
    await ctx.setup('a preflight conversation', {
      method: 'POST',
      path: `/${project.id}/requests/${newRequestId(ctx, project, 'preflightRid')}/messages`,
      auth,
      json: { text: 'typing', preflight: true },
    });
    await roundTrip(socket);
    await socket.settle(SILENCE_MS);
    ctx.frames('a preflight request: nothing on the list', socket);
  }),

  scenario('ws.guest-close-delete', 'a guest closes (closeg): frames; deleting a request: no frame at all', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const guest = await signInGuest(ctx, project, 'guest', { firstname: 'Cleo' });
    const rid = newRequestId(ctx, project, 'rid1');
    await ctx.setup('guest starts a conversation', {
      method: 'POST',
      path: `/${project.id}/requests/${rid}/messages`,
      auth: { jwt: guest.token },
      json: { text: 'please close this' },
    });
    const socket = await ctx.open(project.owner.token);
    const list = `/${project.id}/requests`;
    const one = `${list}/${rid}`;
    const messages = `${one}/messages`;
    for (const topic of [list, one, messages]) subscribe(socket, topic);
    await socket.waitFor(() => [list, one, messages].every((t) => socket.framesOn(t).length >= 1), FRAME_WAIT_MS);
    ctx.frames('snapshots', socket);
    await ctx.call('the guest closes', { method: 'PUT', path: `${one}/closeg`, auth: { jwt: guest.token } });
    await socket.waitFor(
      () => socket.framesOn(list).length >= 2 && socket.framesOn(one).length >= 2 && socket.framesOn(messages).length >= 2,
      FRAME_WAIT_MS,
    );
    await socket.settle(SILENCE_MS);
    ctx.frames('close frames', socket);
    await ctx.call('the owner deletes the request', { method: 'DELETE', path: one, auth: { jwt: project.owner.token } });
    await roundTrip(socket);
    await socket.settle(SILENCE_MS);
    ctx.frames('no DELETE frame', socket);
  }),

  scenario(
    'ws.heartbeat',
    'server heartbeat: a ping every interval; answering pong keeps the socket open',
    async (ctx) => {
      const project = await ownerWithProject(ctx);
      const socket = await ctx.open(project.owner.token);
      const interval = ctx.target.heartbeatIntervalMs;
      const pings = () => socket.frames.filter((frame) => isServerPing(frame.data)).length;
      await socket.waitFor(() => pings() >= 1, interval + 5_000);
      ctx.frames('the first server ping', socket, { includeServerPings: true });
      // Without this answer the server would terminate the socket at the next tick instead of pinging again.
      socket.send(PONG);
      await socket.waitFor(() => pings() >= 2, interval + 5_000);
      ctx.frames('the answered ping is followed by another ping', socket, { includeServerPings: true });
      ctx.closeState('still open after two intervals', socket);
    },
    { heartbeat: true },
  ),

  scenario(
    'ws.heartbeat-kill',
    'server heartbeat: a client silent for a whole interval is terminated (1006)',
    async (ctx) => {
      const project = await ownerWithProject(ctx);
      const socket = await ctx.open(project.owner.token);
      await socket.waitForClose(ctx.target.heartbeatIntervalMs * 2 + 10_000);
      ctx.frames('frames before the kill', socket, { includeServerPings: true });
      ctx.closeState('terminated', socket);
    },
    { heartbeat: true },
  ),

  scenario('ws.live-mutations', 'live frames of every conversation mutation a dashboard makes, on all four topic kinds', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const agent = await addMember(ctx, project, 'agent', 'agent');
    const rid = await createRequest(ctx, project, project.owner, 'rid1', { participants: [agent.userId] });
    const ownerPu = await projectUserIdOf(ctx, project, project.owner);
    const P = project.id;
    const socket = await ctx.open(bareToken(project.owner.token));
    for (const topic of [`/${P}/requests`, `/${P}/requests/${rid}`, `/${P}/requests/${rid}/messages`, `/${P}/project_users/${ownerPu}`, `/${P}/project_users/users/${agent.userId}`]) {
      subscribe(socket, topic);
    }
    await roundTrip(socket);
    await socket.settle(600);
    ctx.frames('snapshots', socket);
    const base = `/${P}/requests/${rid}`;
    const steps: Array<[string, 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown?, string?]> = [
      ['PATCH priority', 'PATCH', base, { priority: 'high' }],
      ['PATCH tags', 'PATCH', base, { tags: [{ tag: 't1' }] }],
      ['PATCH status 300', 'PATCH', base, { status: 300 }],
      ['PATCH workingStatus pending', 'PATCH', base, { workingStatus: 'pending' }],
      ['PATCH attributes', 'PATCH', `${base}/attributes`, { plan: 'pro' }],
      ['PUT tag', 'PUT', `${base}/tag`, [{ tag: 't2' }]],
      ['POST notes', 'POST', `${base}/notes`, { text: 'a note' }],
      ['POST participants (the owner)', 'POST', `${base}/participants`, { member: project.owner.userId }],
      ['DELETE participants (the agent)', 'DELETE', `${base}/participants/${agent.userId}`],
      ['PUT participants [agent]', 'PUT', `${base}/participants`, [agent.userId]],
      ['POST followers', 'POST', `${base}/followers`, { member: ownerPu }],
      ['PATCH rating', 'PATCH', `${base}/rating`, { rating: 3, rating_message: 'ok' }],
      ['the requester writes (pending -> open)', 'POST', `${base}/messages`, { text: 'hello' }],
      ['a participant answers (waiting time)', 'POST', `${base}/messages`, { text: 'hello from the agent', sender: agent.userId }],
      ['PUT project_users (owner unavailable)', 'PUT', `/${P}/project_users`, { user_available: false }],
      ['PUT project_users (agent profileStatus)', 'PUT', `/${P}/project_users`, { profileStatus: 'busy' }, agent.token],
      ['close', 'PUT', `${base}/close`, {}],
      ['close again', 'PUT', `${base}/close`, {}],
      ['reopen', 'PUT', `${base}/reopen`],
      ['reopen again', 'PUT', `${base}/reopen`],
      ['assign (already assigned)', 'PUT', `${base}/assign`, {}],
      ['DELETE the request', 'DELETE', base],
    ];
    for (const [step, method, path, json, token] of steps) {
      await ctx.call(step, { method, path, auth: { jwt: token ?? project.owner.token }, json });
      await roundTrip(socket);
      await socket.settle(600);
      ctx.frames(`frames after: ${step}`, socket);
    }
  }),

  scenario('ws.handshake-edge-cases', 'handshake: lower-case jwt prefix, "+" as space, repeated, empty or padded tokens, other paths', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const bare = bareToken(project.owner.token);
    await ctx.connect('lower-case "jwt " prefix', { rawQuery: `?token=${encodeURIComponent(`jwt ${bare}`)}` });
    await ctx.connect('"JWT+" prefix (a plus is a space)', { rawQuery: `?token=JWT+${bare}` });
    await ctx.connect('the token twice', { rawQuery: `?token=${bare}&token=${bare}`, handshakeTimeoutMs: 1_500 });
    await ctx.connect('an empty token', { rawQuery: '?token=' });
    await ctx.connect('"Token" (case differs)', { rawQuery: `?Token=${bare}` });
    await ctx.connect('a trailing space after the token', { rawQuery: `?token=${encodeURIComponent(`${bare} `)}` });
    await ctx.connect('an extra query parameter', { rawQuery: `?token=${bare}&x=1` });
    await ctx.connect('path //', { path: '//', rawQuery: `?token=${bare}` });
    await ctx.connect('path /index', { path: '/index', rawQuery: `?token=${bare}` });
  }),

  scenario('ws.odd-frames', 'subscribe frames without a usable topic, odd methods and spellings, then live frames', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const rid = await createRequest(ctx, project, project.owner, 'rid1', { participants: [project.owner.userId] });
    const messagesTopic = `/${project.id}/requests/${rid}/messages`;
    const requestTopic = `/${project.id}/requests/${rid}`;
    const socket = await ctx.open(project.owner.token);
    socket.send({ action: 'subscribe' });
    socket.send({ action: 'subscribe', payload: {} });
    socket.send({ action: 'subscribe', payload: { topic: 5 } });
    socket.send('not json');
    socket.send({ action: 'unsubscribe', payload: { topic: `/${project.id}/requests/nope` } });
    socket.send({ action: 'subscribe', payload: { topic: messagesTopic, method: 'UPDATE' } });
    socket.send({ action: 'subscribe', payload: { topic: requestTopic, method: 'CREATE', message: { x: 1 } } });
    socket.send({ action: 'subscribe', payload: { topic: `/${project.id}/requests?status=100`, method: 'CREATE' } });
    socket.send({ action: 'subscribe', payload: { topic: `${messagesTopic}/`, method: 'CREATE' } });
    socket.send(PING);
    socket.send({ action: 'publish', payload: { topic: requestTopic, method: 'UPDATE', message: { a: 1 } } });
    await socket.waitForTopic(messagesTopic, 1, FRAME_WAIT_MS);
    await socket.waitForTopic(requestTopic, 1, FRAME_WAIT_MS);
    await socket.waitForTopic(`${messagesTopic}/`, 1, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('after the odd frames', socket);
    await ctx.call('send a message', { method: 'POST', path: `/${project.id}/requests/${rid}/messages`, auth, json: { text: 'live', attributes: { k: 'v' } } });
    await ctx.call('tag the conversation', { method: 'PUT', path: `/${project.id}/requests/${rid}/tag`, auth, json: [{ tag: 't1' }] });
    await ctx.call('add a note', { method: 'POST', path: `/${project.id}/requests/${rid}/notes`, auth, json: { text: 'n' } });
    await socket.waitForTopic(messagesTopic, 2, FRAME_WAIT_MS);
    await roundTrip(socket);
    await socket.settle(SILENCE_MS);
    ctx.frames('live frames after them', socket);
    ctx.closeState('the socket is still open', socket);
  }),

  scenario('ws.unknown-targets', 'subscribing to an unknown conversation and an unknown project user, then live frames of a known one', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const rid = await createRequest(ctx, project, project.owner, 'rid1', { participants: [project.owner.userId] });
    const socket = await ctx.open(project.owner.token);
    const unknownMessages = `/${project.id}/requests/support-group-nope/messages`;
    const messagesTopic = `/${project.id}/requests/${rid}/messages`;
    subscribe(socket, unknownMessages);
    subscribe(socket, messagesTopic);
    subscribe(socket, `/${project.id}/project_users/${unknownObjectId(ctx, 'unknownPu')}`);
    // Only the known conversation's snapshot is waited for: the unknown one gets none on either server (waiting for
    // it ran out the whole FRAME_WAIT_MS every time). A snapshot for it would still be recorded: it was subscribed
    // first, and the silence window after the known snapshot is the one every other scenario gives late frames.
    await socket.waitForTopic(messagesTopic, 1, FRAME_WAIT_MS);
    await socket.settle(SILENCE_MS);
    ctx.frames('snapshots', socket);
    await ctx.call('send a message', { method: 'POST', path: `/${project.id}/requests/${rid}/messages`, auth, json: { text: 'live' } });
    await ctx.call('patch the conversation', { method: 'PATCH', path: `/${project.id}/requests/${rid}`, auth, json: { priority: 'high' } });
    await socket.waitForTopic(messagesTopic, 2, FRAME_WAIT_MS);
    await socket.settle();
    ctx.frames('live', socket);
  }),

  scenario('ws.topic-words', 'an id that is a word the server reads topics by (messages, requests…) changes the kind it reads', async (ctx) => {
    const project = await ownerWithProject(ctx);
    const auth = { jwt: project.owner.token };
    const rid = await requestWithMessage(ctx, project, 'rid1');
    const socket = await ctx.open(project.owner.token);
    const list = `/${project.id}/requests`;
    // Shaped like the request, bot, events and by-user topics of the id `requests`: read as the request list.
    const readAsList = [`${list}/requests`, `/${project.id}/bots/requests`, `/${project.id}/events/requests`, `/${project.id}/project_users/users/requests`];
    // Shaped like the request `messages`: read as its messages, refused (there is no such request; a request topic
    // of an unknown id gets null). The request `events` is read as a request: null.
    const readAsMessages = `${list}/messages`;
    const readAsRequest = `${list}/events`;
    for (const topic of [list, ...readAsList, readAsMessages, readAsRequest]) subscribe(socket, topic);
    await socket.waitFor(() => [list, ...readAsList, readAsRequest].every((t) => socket.framesOn(t).length >= 1), FRAME_WAIT_MS);
    await socket.settle(SILENCE_MS);
    ctx.frames('snapshots', socket);
    // Live events go to the canonical topics only: none of the others ever gets one.
    await ctx.call('patch the request', { method: 'PATCH', path: `${list}/${rid}`, auth, json: { priority: 'high' } });
    await socket.waitForTopic(list, 2, FRAME_WAIT_MS);
    await socket.settle(SILENCE_MS);
    ctx.frames('live', socket);
  }),
];
