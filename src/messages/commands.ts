import { literal, maybe, number, object, optional } from './check.js';
import type { InboundCommandMessage, InboundMessage } from './inbound.js';
import { checkMessage, parseInboundMessage, unwrap } from './parse.js';
import { WAIT_TIME } from './rules.js';

/**
 * The gap the widget (chat21-web-widget `addCommandMessage`) assumes between two parts' `timestamp`s when the wait
 * between them has no `time`. It does not pause that long: its `setTimeout` reads a missing time as 0.
 *
 * @example
 * ```ts
 * expandCommands(message, { defaultWaitMs: DEFAULT_WAIT_MS }); // pause where the widget only stamps the gap
 * ```
 */
export const DEFAULT_WAIT_MS = 1000;

/**
 * The widget splits every message whose `attributes.commands` is truthy. `true` marks the parts it splits off itself
 * (they carry `parentUid`); on any other message it reads `.type` of `commands[0]` and throws.
 */
export const NOT_A_LIST = 'commands is true, not a list: the widget throws';
export const notAList = (attributes: InboundMessage['attributes']) => attributes?.commands === true && !attributes.parentUid;

/** One step of a split message as the widget plays it; `at` is ms after the message arrived. */
export type ExpandedStep =
  /** The widget shows "typing…" for `duration` ms (live only; not for a wait whose `time` is 0 or missing). */
  | { type: 'typing'; index: number; at: number; duration: number }
  /** A part becomes visible. `message` is the part as the widget builds it (envelope and attributes inherited). */
  | { type: 'message'; index: number; at: number; message: InboundMessage }
  /**
   * The widget stops here and shows nothing more: at a command type it does not know (tybot's voice `settings`),
   * where its own code throws (a message two places after a wait, a `message` command without one, `commands: true`
   * on a message it did not split off), or at an empty list. In history (except at an empty list) it also shows none
   * of the conversation's later messages.
   */
  | { type: 'stop'; index: number; at: number; reason: 'unsupported-command' | 'widget-error'; detail: string };

export interface ExpandOptions {
  /**
   * `live` (default): the message arrived while the widget was open; waits delay the parts, with "typing…".
   * `history`: replayed from the conversation history; the wait after each part is skipped, so the parts show at
   * once (a leading wait still delays them, without "typing…"), and their timestamps are 100 ms apart.
   */
  mode?: 'live' | 'history';
  /**
   * Pause of a `wait` without `time`, with "typing…": a finite number ≥ 0, as `wait(ms)` takes. Default 0: the widget
   * shows the next part at once, without "typing…" (it uses {@link DEFAULT_WAIT_MS} only to stamp the part's `timestamp`).
   */
  defaultWaitMs?: number;
}

const ENVELOPE = ['language', 'recipient', 'recipient_fullname', 'sender', 'sender_fullname', 'senderFullname', 'channel_type', 'status', 'isSender'] as const;

/**
 * Builds a part the way the widget does: the parent's envelope (the widget assigns each field, so one the parent
 * lacks is cleared, not kept from the part), parent attributes under the part's own, `uid = parent_index`. `own` is
 * the command's `message`, which the caller has found to be there.
 */
function part(parent: InboundMessage, own: InboundCommandMessage, index: number, timestamp: number | undefined, parentUid: unknown): InboundMessage {
  const out: Record<string, unknown> = { ...own };
  if (typeof own.text === 'string') out['text'] = own.text.trim();
  for (const key of ENVELOPE) {
    if (parent[key] === undefined) delete out[key];
    else out[key] = parent[key];
  }
  if (parentUid) out['uid'] = `${parentUid}_${index}`;
  if (timestamp !== undefined) out['timestamp'] = timestamp;
  // The widget marks parts with `commands: true`; leave that out so a part is not mistaken for a split message.
  const { commands: _commands, ...inherited } = parent.attributes ?? {};
  out['attributes'] = { ...inherited, ...(own.attributes ?? {}), ...(parentUid ? { parentUid } : {}) };
  return out as InboundMessage;
}

/**
 * The timed sequence the widget shows for a split message (`attributes.commands`): "typing…" for each wait
 * with a `time`, then each part, with the widget's own quirks (default wait, inherited attributes, where it stops). A message
 * without commands expands to itself.
 *
 * @throws {InvalidMessageError} when `message` is not a message any sender produces, or when an option has the wrong
 * type or value (`path` names it: `options.mode`, `options.defaultWaitMs`; `options` when it is not an object).
 * @example
 * ```ts
 * for (const step of expandCommands(message)) {
 *   if (step.type === 'typing') showTyping(step.at, step.duration);
 *   if (step.type === 'message') schedule(step.at, () => render(classify(step.message)));
 * }
 * ```
 */
export function expandCommands(message: unknown, options?: ExpandOptions): ExpandedStep[] {
  // Options are checked as the builders check theirs, before the message (`null` reads as none, as there). Keys it does
  // not know are let through: refusing them (4 B less) would call them fields "the widget does not read".
  // Once checked, `defaultWaitMs` is a finite number ≥ 0 and a command's `time` a finite number or none (the inbound
  // check), so the duration below needs no type test.
  const expandOptions = object({ mode: optional(literal(['live', 'history'])), defaultWaitMs: optional(number(WAIT_TIME)) }, { loose: true });
  unwrap(checkMessage(object({ options: maybe(expandOptions) }), { options }, 'invalid options'));
  const parent = parseInboundMessage(message);
  const flagged = notAList(parent.attributes);
  const commands = flagged ? [] : parent.attributes?.commands;
  if (!Array.isArray(commands)) return [{ type: 'message', index: 0, at: 0, message: parent }];

  const live = options?.mode !== 'history';
  // The gap between the `timestamp`s of parts replayed from history. Local: the bundle declares it with the function's
  // other variables (a module-level constant costs 5 B gzip more).
  const HISTORY_STEP_MS = 100;
  // A message that arrives live takes `attributes.tempUID` as its uid (the widget's optimistic-send replacement).
  const parentUid = (live && parent.attributes?.tempUID) || (parent.uid ?? parent.message_id ?? parent._id);
  const defaultWait = options?.defaultWaitMs ?? 0;
  const timestamps: (number | undefined)[] = [];
  const steps: ExpandedStep[] = [];
  let at = 0;
  // Replaying history, the widget awaits each split message before the next one: where it stops, the rest never shows.
  const stop = (index: number, reason: 'unsupported-command' | 'widget-error', detail: string, historyGoesOn?: boolean) =>
    steps.push({ type: 'stop', index, at, reason, detail: live || historyGoesOn ? detail : `${detail}; in history, no later message of the conversation shows either` });

  // An empty list: the widget returns early, and history goes on; `true`: it throws.
  if (flagged) stop(0, 'widget-error', NOT_A_LIST);
  else if (commands.length === 0) stop(0, 'widget-error', 'an empty commands list: the widget shows nothing for it', true);
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i]!;
    if (command.type === 'wait') {
      // The widget's setTimeout reads a negative time as 0. In history it zeroes the wait after each part it shows.
      const time = command.time ?? defaultWait;
      const duration = !live && commands[i - 1]?.type === 'message' ? 0 : time > 0 ? time : 0;
      // The widget shows "typing…" only for a wait whose `time` is set and not 0.
      if (live && (command.time || duration)) steps.push({ type: 'typing', index: i, at, duration });
      at += duration;
      continue;
    }
    if (command.type !== 'message') {
      stop(i, 'unsupported-command', `the widget does not handle "${command.type}" commands and stops here`);
      break;
    }
    if (!command.message) {
      stop(i, 'widget-error', 'a message command without a message: the widget throws');
      break;
    }
    let timestamp = parent.timestamp ?? undefined;
    if (i >= 2) {
      const earlier = commands[i - 2]!;
      if (earlier.type !== 'message' || !earlier.message) {
        stop(i, 'widget-error', `commands[${i - 2}] is not a message: the widget throws reading its timestamp`);
        break;
      }
      const base = timestamps[i - 2];
      // The widget treats a missing or zero wait as 1000 ms when it stamps the next part.
      const gap = live ? commands[i - 1]!.time || DEFAULT_WAIT_MS : HISTORY_STEP_MS;
      timestamp = base === undefined ? undefined : base + gap;
    }
    timestamps[i] = timestamp;
    steps.push({ type: 'message', index: i, at, message: part(parent, command.message, i, timestamp, parentUid) });
  }
  return steps;
}
