// Realtime entry point: `import { RealtimeClient } from 'tiledesk-sdk/realtime'`.
export { TiledeskError } from '../shared/errors.js';
export { RealtimeClient } from './client.js';
export type {
  ConnectionState,
  EnvironmentLike,
  HeartbeatInfo,
  ProbeReason,
  RealtimeClientOptions,
  RealtimeEvents,
  RealtimeStats,
  StateChange,
  SubscribeOptions,
  TokenContext,
  TokenSource,
  WebSocketConstructor,
  WebSocketLike,
} from './client.js';
export { RealtimeAuthError, RealtimeError, SubscribeTimeoutError } from './errors.js';
export type { RealtimeErrorCode, RealtimeErrorDetails } from './errors.js';
export { Subscription } from './subscriptions.js';
export { parseTopic, topics } from './topics.js';
export type { ParsedTopic, Topic, TopicKind } from './topics.js';
export type {
  BadFrameReason,
  BadFrameReport,
  FrameInfo,
  PayloadValidator,
  RealtimeBot,
  RealtimeEvent,
  RealtimeMessage,
  RealtimeProjectUser,
  RealtimeRequest,
  StandardSchemaLike,
  SubscriptionHandlers,
  SubscriptionState,
  TopicPayloads,
  ValidationOption,
} from './types.js';
export { mergeItems } from './live-store.js';
export type { LiveChange, LiveGap, LiveRestCallOptions, LiveRestSource, LiveStore, LiveStoreEvents, LiveStoreOptions } from './live-store.js';
export { isOpenRequest, LiveRequests } from './live-requests.js';
export type { LiveRequestsOptions } from './live-requests.js';
export { LiveMessages } from './live-messages.js';
export type { LiveMessagesOptions } from './live-messages.js';
