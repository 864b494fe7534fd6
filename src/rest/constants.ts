/**
 * Status codes of the server's models, as named constants.
 *
 * @example
 * ```ts
 * for await (const r of client.requests.list({ status: [RequestStatus.UNASSIGNED, RequestStatus.ASSIGNED] })) { … }
 * ```
 */
export const RequestStatus = {
  TEMP: 50,
  UNASSIGNED: 100,
  ABANDONED: 150,
  ASSIGNED: 200,
  SERVED: 300,
  CLOSED: 1000,
} as const;
export type RequestStatusCode = (typeof RequestStatus)[keyof typeof RequestStatus];

/** Message delivery status. Imported and sent messages start at `SENDING` unless you say otherwise. */
export const MessageStatus = {
  FAILED: -100,
  SENDING: 0,
  SENT: 100,
  DELIVERED: 150,
  RECEIVED: 200,
  RETURN_RECEIPT: 250,
  SEEN: 300,
} as const;
export type MessageStatusCode = (typeof MessageStatus)[keyof typeof MessageStatus];

/** Lead status (`DELETED` is what `DELETE /leads/:id` sets). */
export const LeadStatus = {
  TEMP: 50,
  NORMAL: 100,
  DELETED: 1000,
} as const;
export type LeadStatusCode = (typeof LeadStatus)[keyof typeof LeadStatus];
