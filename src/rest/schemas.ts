/**
 * Response schemas of the REST API, and the types inferred from them.
 *
 * Lenient by design: every object passes unknown fields through (the server adds fields from release to release),
 * and only fields the server always sends are required. Checked against real captures in tests.
 *
 * zod/mini rather than classic zod: these schemas cost about a third as much in a browser bundle (numbers in
 * docs/rest.md). The values are published only through `tiledesk-sdk/schemas` (src/schemas.ts); the client and the
 * main entry import nothing from here but types, so neither Node nor a bundler loads zod for them.
 *
 * Every zod call is marked pure so that a bundler keeps only the schemas an app imports and the ones they are built
 * from: `import { LeadSchema } from 'tiledesk-sdk/schemas'` does not bundle the request or project schemas.
 *
 * Each type is an interface extending the inferred type, not an alias of it: editors, compiler errors and the API
 * reference then say `Request` instead of spelling out its forty fields wherever it appears.
 */
import * as z from 'zod/mini';

const str = /* @__PURE__ */ z.string();
const num = /* @__PURE__ */ z.number();
const bool = /* @__PURE__ */ z.boolean();
const optStr = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string());
const optNum = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number());
const optBool = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean());
/** Strings the server stores with a `null` default (lead e-mail, phone, recipientFullname…). */
const optNullableStr = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(/* @__PURE__ */ z.string()));
const attributes = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(/* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), /* @__PURE__ */ z.unknown())));
const channel = /* @__PURE__ */ z.optional(/* @__PURE__ */ z.looseObject({ name: str }));

/** A registered user (`GET /users`, `user` of sign-in and sign-up). */
export const UserSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  email: optStr,
  firstname: optStr,
  lastname: optStr,
  emailverified: optBool,
  status: optNum,
  createdAt: optStr,
  updatedAt: optStr,
});
export interface User extends z.infer<typeof UserSchema> {}

/** The `user` of an auth response: a registered user, an anonymous guest (`_id` is a uuid) or a custom-token user. */
export const AuthUserSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  id: optStr,
  email: optStr,
  firstname: optStr,
  lastname: optStr,
  fullName: optStr,
  emailverified: optBool,
  attributes,
});
export interface AuthUser extends z.infer<typeof AuthUserSchema> {}

/** `POST /auth/signin`, `/auth/signinAnonymously`, `/auth/signinWithCustomToken`. `token` is `"JWT …"`. */
export const AuthResultSchema = /* @__PURE__ */ z.looseObject({
  success: optBool,
  token: str,
  user: AuthUserSchema,
});
export interface AuthResult extends z.infer<typeof AuthResultSchema> {}

/** `POST /auth/signup`. */
export const SignupResultSchema = /* @__PURE__ */ z.looseObject({
  success: bool,
  msg: optStr,
  user: UserSchema,
});
export interface SignupResult extends z.infer<typeof SignupResultSchema> {}

/** A lead (the contact behind a conversation). */
export const LeadSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  lead_id: optStr,
  fullname: optNullableStr,
  email: optNullableStr,
  phone: optNullableStr,
  company: optNullableStr,
  note: optNullableStr,
  tags: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(str)),
  status: optNum,
  attributes,
  properties: attributes,
  id_project: optStr,
  createdBy: optStr,
  createdAt: optStr,
  updatedAt: optStr,
});
export interface Lead extends z.infer<typeof LeadSchema> {}

/** A page of `GET /<pid>/leads`. */
export const LeadPageSchema = /* @__PURE__ */ z.looseObject({
  perPage: num,
  count: num,
  leads: /* @__PURE__ */ z.array(LeadSchema),
});
export interface LeadPage extends z.infer<typeof LeadPageSchema> {}

/** A project member: an agent (`roleType` 1, `id_user`) or a visitor (`roleType` 2, `uuid_user`). */
export const ProjectUserSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  id: optStr,
  id_project: str,
  /** A user id, or the populated user on most reads. */
  id_user: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(/* @__PURE__ */ z.union([str, UserSchema]))),
  uuid_user: optStr,
  role: str,
  roleType: optNum,
  user_available: optBool,
  profileStatus: optStr,
  presence: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.looseObject({ status: optStr, changedAt: optStr })),
  status: optStr,
  trashed: optBool,
  isBusy: optBool,
  isAuthenticated: optBool,
  max_assigned_chat: optNum,
  number_assigned_requests: optNum,
  attributes,
  tags: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(/* @__PURE__ */ z.unknown())),
  permissions: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(/* @__PURE__ */ z.unknown())),
  last_login_at: optStr,
  createdBy: optStr,
  createdAt: optStr,
  updatedAt: optStr,
});
export interface ProjectUser extends z.infer<typeof ProjectUserSchema> {}

/** `GET /<pid>/project_users` (and `/me`, which the server also answers with an array). */
export const ProjectUsersSchema = /* @__PURE__ */ z.array(ProjectUserSchema);

/** A project. */
export const ProjectSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  id: optStr,
  name: str,
  status: optNum,
  createdBy: optStr,
  profile: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.looseObject({ name: optStr, type: optStr, trialDays: optNum, agents: optNum })),
  channels: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(/* @__PURE__ */ z.looseObject({ name: str }))),
  activeOperatingHours: optBool,
  trialExpired: optBool,
  isActiveSubscription: optBool,
  createdAt: optStr,
  updatedAt: optStr,
});
export interface Project extends z.infer<typeof ProjectSchema> {}

/** An item of `GET /projects`: the caller's membership, with the project populated in `id_project`. */
export const ProjectMembershipSchema = /* @__PURE__ */ z.extend(ProjectUserSchema, {
  id_project: /* @__PURE__ */ z.union([str, ProjectSchema]),
});
export interface ProjectMembership extends z.infer<typeof ProjectMembershipSchema> {}
export const ProjectMembershipsSchema = /* @__PURE__ */ z.array(ProjectMembershipSchema);

/** A department, as populated into requests. */
export const DepartmentSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  id: optStr,
  name: optStr,
  routing: optStr,
  default: optBool,
  status: optNum,
  id_project: optStr,
  id_bot: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(str)),
});
export interface Department extends z.infer<typeof DepartmentSchema> {}

/** A tag on a request; `_id` is what `requests.tags.remove` takes. */
export const TagSchema = /* @__PURE__ */ z.looseObject({ _id: optStr, tag: str, color: optStr });
export interface Tag extends z.infer<typeof TagSchema> {}

/** A note on a request. */
export const NoteSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  text: optStr,
  createdBy: optStr,
  createdAt: optStr,
  updatedAt: optStr,
});
export interface Note extends z.infer<typeof NoteSchema> {}

/**
 * A request (conversation). `requester`, `lead` and `department` are ids on create and populated objects on reads.
 * `status` is a `RequestStatus` code (exported by `tiledesk-sdk`).
 */
export const RequestSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  id: optStr,
  request_id: str,
  ticket_id: optNum,
  status: num,
  first_text: optStr,
  subject: optStr,
  id_project: str,
  requester: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(/* @__PURE__ */ z.union([str, ProjectUserSchema]))),
  requester_id: optStr,
  lead: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(/* @__PURE__ */ z.union([str, LeadSchema]))),
  department: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.nullable(/* @__PURE__ */ z.union([str, DepartmentSchema]))),
  participants: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(str)),
  participantsAgents: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(str)),
  participantsBots: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(str)),
  /** The agents of `participantsAgents`, populated on reads (`[]` where not populated). */
  participatingAgents: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(UserSchema)),
  /** The bots of `participantsBots`, populated on reads. */
  participatingBots: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(/* @__PURE__ */ z.looseObject({ _id: str, name: optStr }))),
  /** project_user ids. */
  followers: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(str)),
  hasBot: optBool,
  preflight: optBool,
  draft: optBool,
  priority: optStr,
  workingStatus: optStr,
  smartAssignment: optBool,
  channel,
  channelOutbound: channel,
  attributes,
  tags: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(TagSchema)),
  notes: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(NoteSchema)),
  snapshot: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), /* @__PURE__ */ z.unknown())),
  rating: optNum,
  rating_message: optStr,
  sourcePage: optStr,
  language: optStr,
  userAgent: optStr,
  location: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), /* @__PURE__ */ z.unknown())),
  /** Set from a channel (a phone call, WhatsApp): where to reach the requester. */
  contact: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.looseObject({ phone: optNullableStr, email: optNullableStr, external_id: optNullableStr })),
  createdBy: optStr,
  assigned_at: optStr,
  /** When an agent first answered. */
  first_response_at: optStr,
  /** Ms from the first visitor message to the first agent message. */
  waiting_time: optNum,
  closed_at: optStr,
  closed_by: optStr,
  /** Ms from creation to closing; with `transcript` (the conversation as text), set by `requests.close`. */
  duration: optNum,
  transcript: optStr,
  createdAt: str,
  updatedAt: optStr,
});
export interface Request extends z.infer<typeof RequestSchema> {}

/** A page of `GET /<pid>/requests` or `/requests/me`. `perPage` is the limit the server actually used. */
export const RequestPageSchema = /* @__PURE__ */ z.looseObject({
  perPage: num,
  count: num,
  requests: /* @__PURE__ */ z.array(RequestSchema),
});
export interface RequestPage extends z.infer<typeof RequestPageSchema> {}

/** `GET /<pid>/requests/count`. */
export const RequestCountSchema = /* @__PURE__ */ z.looseObject({
  unassigned: optNum,
  assigned: optNum,
  bot_assigned: optNum,
});
export interface RequestCount extends z.infer<typeof RequestCountSchema> {}

/** A message. `status` is a `MessageStatus` code (exported by `tiledesk-sdk`); `createdAt` is always the server's save time. */
export const MessageSchema = /* @__PURE__ */ z.looseObject({
  _id: str,
  sender: str,
  senderFullname: optNullableStr,
  recipient: str,
  recipientFullname: optNullableStr,
  text: optNullableStr,
  type: optStr,
  channel_type: optStr,
  status: num,
  attributes,
  metadata: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.unknown()),
  language: optNullableStr,
  channel,
  id_project: str,
  createdBy: optStr,
  createdAt: str,
  updatedAt: optStr,
});
export interface Message extends z.infer<typeof MessageSchema> {}

/** `POST …/messages`: the message plus the (possibly just created) request. */
export const MessageWithRequestSchema = /* @__PURE__ */ z.extend(MessageSchema, { request: /* @__PURE__ */ z.optional(RequestSchema) });
export interface MessageWithRequest extends z.infer<typeof MessageWithRequestSchema> {}

export const MessagesSchema = /* @__PURE__ */ z.array(MessageSchema);

/** `PUT /users`. */
export const UserUpdateSchema = /* @__PURE__ */ z.looseObject({ success: optBool, updatedUser: UserSchema });

/**
 * Pass to `new TiledeskClient({ responseSchemas })` to validate every response (and get an
 * `InvalidResponseError` naming the first bad field instead of a surprise later). Off by default; it lives in
 * `tiledesk-sdk/schemas` so that zod is neither loaded nor bundled unless you import it.
 *
 * @example
 * ```ts
 * import { TiledeskClient } from 'tiledesk-sdk';
 * import { responseSchemas } from 'tiledesk-sdk/schemas';
 * const client = new TiledeskClient({ baseUrl, projectId, auth: { token }, responseSchemas });
 * ```
 */
export const responseSchemas = {
  auth: AuthResultSchema,
  guestAuth: AuthResultSchema,
  signup: SignupResultSchema,
  request: RequestSchema,
  requestPage: RequestPageSchema,
  requestCount: RequestCountSchema,
  message: MessageSchema,
  messageWithRequest: MessageWithRequestSchema,
  messages: MessagesSchema,
  lead: LeadSchema,
  leadPage: LeadPageSchema,
  projectUser: ProjectUserSchema,
  projectUsers: ProjectUsersSchema,
  project: ProjectSchema,
  projectMemberships: ProjectMembershipsSchema,
  user: UserSchema,
  userUpdate: UserUpdateSchema,
};
