// REST entry point: `import { TiledeskClient } from 'tiledesk-sdk'`.
export { TiledeskError } from './shared/errors.js';
export { TiledeskClient } from './rest/client.js';
export type { TiledeskClientOptions, StaticOptions, Logger } from './rest/client.js';
export type { AuthOptions, TokenProviderContext } from './rest/auth.js';
export type {
  RequestOptions,
  HeadersInput,
  Hooks,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
  ErrorEvent,
  ResponseSchema,
  ResponseSchemas,
  ResponseSchemaKey,
} from './rest/core.js';
export type { Transport, TransportRequest, TransportResponse, FetchLike } from './rest/transport.js';
export {
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  ConnectionError,
  TimeoutError,
  AbortError,
  InvalidResponseError,
  ValidationError,
  TokenProviderError,
} from './rest/errors.js';
export type { FieldError, PermissionDeniedReason } from './rest/errors.js';
export { ImportChunkError } from './rest/import.js';
export type { ImportMessage, ImportMessageFields } from './rest/import.js';
export { PagePromise } from './rest/pagination.js';
export type { Page } from './rest/pagination.js';
export { RequestStatus, MessageStatus, LeadStatus } from './rest/constants.js';
export type { RequestStatusCode, MessageStatusCode, LeadStatusCode } from './rest/constants.js';
export type {
  Auth,
  SigninParams,
  SigninAnonymouslyParams,
  SigninWithCustomTokenParams,
  SignupParams,
} from './rest/resources/auth.js';
export type {
  Requests,
  Participants,
  Followers,
  Tags,
  Notes,
  CreateRequestParams,
  UpdateRequestParams,
  RequestListQuery,
  MyRequestListQuery,
} from './rest/resources/requests.js';
export type { Messages, SendMessageParams, ImportOptions, ImportProgress } from './rest/resources/messages.js';
export type { Leads, LeadListQuery, LeadParams } from './rest/resources/leads.js';
export type { ProjectUsers, ProjectUserListQuery, UpdateMeParams } from './rest/resources/project-users.js';
export type { Projects, Users, UpdateUserParams } from './rest/resources/projects.js';
// Response types, inferred from the zod schemas. The schema values (and `responseSchemas`) live in
// `tiledesk-sdk/schemas`, so that importing this entry never loads zod.
export type {
  User,
  AuthUser,
  AuthResult,
  SignupResult,
  Lead,
  LeadPage,
  ProjectUser,
  Project,
  ProjectMembership,
  Department,
  Tag,
  Note,
  Request,
  RequestPage,
  RequestCount,
  Message,
  MessageWithRequest,
} from './rest/schemas.js';
// Conversation importer (tree-shaken away unless imported); its own index lists what it exports.
export * from './import/index.js';
