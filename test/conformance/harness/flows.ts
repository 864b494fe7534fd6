import { createHmac, randomBytes } from 'node:crypto';
import type { ScenarioContext } from './context.js';

/**
 * Set-up traffic every scenario starts from (sign-up, sign-in, project, members), so that the same scenario works on
 * a server with no seeded data. These calls are not recorded: the auth scenarios record them on their own.
 */

export const PASSWORD = 'Conformance-Pass1!';

export interface Account {
  label: string;
  email: string;
  password: string;
  token: string;
  userId: string;
  firstname: string;
  lastname: string;
}

export interface Project {
  id: string;
  owner: Account;
}

export interface Member extends Account {
  projectUserId: string;
  role: string;
}

export async function signUp(
  ctx: ScenarioContext,
  label: string,
  names: { firstname?: string; lastname?: string } = {},
): Promise<Account> {
  const email = ctx.unique(`${label}-`, `${label}.emailLocal`) + '@example.com';
  ctx.alias(email, `${label}.email`);
  const firstname = names.firstname ?? 'Conf';
  const lastname = names.lastname ?? label;
  await ctx.setup(`sign up ${label}`, {
    method: 'POST',
    path: '/auth/signup',
    json: { email, password: PASSWORD, firstname, lastname },
  });
  const signin = await ctx.setup(`sign in ${label}`, {
    method: 'POST',
    path: '/auth/signin',
    json: { email, password: PASSWORD },
  });
  const body = signin.json as { token: string; user: { _id: string } };
  ctx.alias(body.user._id, `${label}.userId`);
  return { label, email, password: PASSWORD, token: body.token, userId: body.user._id, firstname, lastname };
}

export async function createProject(ctx: ScenarioContext, owner: Account, name = 'Conformance Project'): Promise<Project> {
  const response = await ctx.setup('create project', {
    method: 'POST',
    path: '/projects',
    auth: { jwt: owner.token },
    json: { name },
  });
  const id = (response.json as { _id: string })._id;
  ctx.alias(id, 'pid');
  return { id, owner };
}

/** A signed-up owner with a fresh project: the start of most scenarios. */
export async function ownerWithProject(ctx: ScenarioContext): Promise<Project> {
  const owner = await signUp(ctx, 'owner', { firstname: 'Olive', lastname: 'Owner' });
  return createProject(ctx, owner);
}

export async function projectUserIdOf(ctx: ScenarioContext, project: Project, account: Account): Promise<string> {
  const response = await ctx.setup(`project_users/me of ${account.label}`, {
    method: 'GET',
    path: `/${project.id}/project_users/me`,
    auth: { jwt: account.token },
  });
  const id = (response.json as Array<{ _id: string }>)[0]?._id;
  if (!id) throw new Error(`no project_user for ${account.label}`);
  ctx.alias(id, `${account.label}.puId`);
  return id;
}

/** Signs up another user and has the owner invite them with `role` (an agent-type project_user). */
/** Creates a department of `project` as its owner, aliased as `label` (also its name) in recordings. */
export async function createDepartment(ctx: ScenarioContext, project: Project, label: string, body: Record<string, unknown>): Promise<string> {
  const response = await ctx.setup(`department ${label}`, {
    method: 'POST', path: `/${project.id}/departments`, auth: { jwt: project.owner.token }, json: { name: label, ...body },
  });
  const id = (response.json as { _id: string })._id;
  ctx.alias(id, label);
  return id;
}

export async function addMember(ctx: ScenarioContext, project: Project, label: string, role: string): Promise<Member> {
  const account = await signUp(ctx, label, { firstname: 'Mem', lastname: label });
  const invite = await ctx.setup(`invite ${label} as ${role}`, {
    method: 'POST',
    path: `/${project.id}/project_users/invite`,
    auth: { jwt: project.owner.token },
    json: { email: account.email, role },
  });
  const projectUserId = (invite.json as { _id: string })._id;
  ctx.alias(projectUserId, `${label}.puId`);
  return { ...account, projectUserId, role };
}

export interface Guest {
  token: string;
  id: string;
}

export async function signInGuest(
  ctx: ScenarioContext,
  project: Project,
  label = 'guest',
  extra: Record<string, unknown> = {},
): Promise<Guest> {
  const response = await ctx.setup(`anonymous sign-in ${label}`, {
    method: 'POST',
    path: '/auth/signinAnonymously',
    json: { id_project: project.id, ...extra },
  });
  const body = response.json as { token: string; user: { _id: string } };
  ctx.alias(body.user._id, `${label}.id`);
  return { token: body.token, id: body.user._id };
}

/** Creates a conversation as `account` (agent+) and returns its request_id, masked as `<name>`. */
export async function createRequest(
  ctx: ScenarioContext,
  project: Project,
  account: Account,
  name: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const response = await ctx.setup(`create request ${name}`, {
    method: 'POST',
    path: `/${project.id}/requests`,
    auth: { jwt: account.token },
    json: { first_text: `first text of ${name}`, ...body },
  });
  const requestId = (response.json as { request_id: string }).request_id;
  ctx.alias(requestId, name);
  return requestId;
}

/** A request id the client chooses, in the server's own format. */
export function newRequestId(ctx: ScenarioContext, project: Project, name: string): string {
  const requestId = `support-group-${project.id}-${randomBytes(16).toString('hex')}`;
  ctx.alias(requestId, name);
  return requestId;
}

export async function generateProjectSecret(ctx: ScenarioContext, project: Project): Promise<string> {
  const response = await ctx.setup('generate project keys', {
    method: 'POST',
    path: `/${project.id}/keys/generate`,
    auth: { jwt: project.owner.token },
  });
  const secret = (response.json as { jwtSecret: string }).jwtSecret;
  ctx.alias(secret, 'project.jwtSecret');
  return secret;
}

/** HS256 JWT, signed here so that tokens of any shape (no aud, wrong secret…) can be sent. */
export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

export function bareToken(token: string): string {
  return token.replace(/^JWT /, '');
}

/** A syntactically valid ObjectId that no document has. */
export function unknownObjectId(ctx: ScenarioContext, name = 'unknownId'): string {
  const id = randomBytes(12).toString('hex');
  ctx.alias(id, name);
  return id;
}

/** The stored `updatedAt` of a conversation, as the owner reads it. */
export async function updatedAtOf(ctx: ScenarioContext, project: Project, requestId: string): Promise<string> {
  const response = await ctx.setup(`get ${requestId}`, {
    method: 'GET',
    path: `/${project.id}/requests/${requestId}`,
    auth: { jwt: project.owner.token },
  });
  return (response.json as { updatedAt: string }).updatedAt;
}

/**
 * Polls a conversation until its `updatedAt` is no longer `from` (writes the real server makes after answering,
 * tens of milliseconds later, with no event to wait for). Resolves the new value, or undefined after `timeoutMs`:
 * the scenario records which, so a write that never comes shows up as a difference, not as a hang.
 */
export async function updatedAtAfter(ctx: ScenarioContext, project: Project, requestId: string, from: string, timeoutMs = 4_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await updatedAtOf(ctx, project, requestId);
    if (current !== from) return current;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
