import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT_MS, InvalidMessageError, expandCommands, type ExpandedStep } from '../../src/messages/index.js';
import { corpusEntries } from './fixtures/load.js';
import { seedExamples } from './fixtures/seed-examples.js';

const envelope = { _id: 'm1', sender: 'bot_1', sender_fullname: 'Bot', recipient: 'support-group-1', channel_type: 'group', status: 150, timestamp: 10_000 };
const seedSplit = { ...envelope, ...JSON.parse(JSON.stringify(seedExamples.split)) } as Record<string, unknown>;
const say = (text: string, attributes?: Record<string, unknown>) => ({ type: 'message', message: attributes ? { type: 'text', text, attributes } : { type: 'text', text } });
const withCommands = (commands: unknown[], attributes: Record<string, unknown> = {}) => ({ ...envelope, text: 'fallback', attributes: { ...attributes, commands } });
const timeline = (steps: ExpandedStep[]) =>
  steps.map((s) => (s.type === 'message' ? `${s.at} show ${String(s.message.text)}` : s.type === 'typing' ? `${s.at} typing ${s.duration}` : `${s.at} stop ${s.reason}`));

describe('expandCommands: live (the message arrives while the widget is open)', () => {
  it('plays the seed split example with its documented waits', () => {
    expect(timeline(expandCommands(seedSplit))).toEqual([
      "0 show Hello 👋. I'm a bot 🤖",
      '0 typing 500',
      "500 show I'm beautiful",
      '500 typing 1000',
      '1500 show Do you need help?',
      '1500 typing 2000',
      '3500 show I can really help you with joy!',
    ]);
  });

  it('builds each part as the widget does: uid, timestamp, envelope and attributes inherited', () => {
    const steps = expandCommands(withCommands([say('a'), { type: 'wait', time: 300 }, say('b', { x: 'own' })], { disableInputMessage: true, x: 'parent' }));
    const parts = steps.flatMap((s) => (s.type === 'message' ? [s.message] : []));
    expect(parts[0]).toMatchObject({ uid: 'm1_0', timestamp: 10_000, sender: 'bot_1', sender_fullname: 'Bot', recipient: 'support-group-1', status: 150 });
    expect(parts[1]).toMatchObject({ uid: 'm1_2', timestamp: 10_300 });
    expect(parts[0]!.attributes).toEqual({ disableInputMessage: true, x: 'parent', parentUid: 'm1' });
    expect(parts[1]!.attributes).toEqual({ disableInputMessage: true, x: 'own', parentUid: 'm1' });
  });

  // chat21-web-widget's generateMessageObject assigns each envelope field of a part from the parent, whether the
  // parent has it or not (checked in the 5.1 source; the 5.2.3 catalogue says the parts inherit them).
  it('gives each part the parent’s envelope, and none of a field the parent lacks (the widget assigns it undefined)', () => {
    const own = { type: 'text', text: 'a', language: 'it', sender: 'someone', sender_fullname: 'Someone', status: 300, isSender: false };
    const [first] = expandCommands({ _id: 'm1', text: 'f', attributes: { commands: [{ type: 'message', message: own }] } });
    const part = first?.type === 'message' ? first.message : undefined;
    expect(part).toBeDefined();
    for (const key of ['language', 'sender', 'sender_fullname', 'status', 'isSender']) expect(part).not.toHaveProperty(key);
    const [second] = expandCommands({ ...envelope, isSender: true, language: 'en', attributes: { commands: [{ type: 'message', message: own }] } });
    expect(second?.type === 'message' && second.message).toMatchObject({ language: 'en', sender: 'bot_1', sender_fullname: 'Bot', status: 150, isSender: true });
  });

  // A message that arrives live with attributes.tempUID takes it as its uid (the widget's optimistic-send
  // replacement, mqtt-conversation-handler `onMessageAddedInConversation`); history replays use message_id.
  it('names the parts after attributes.tempUID when the message arrives live, after message_id in history', () => {
    const message = { message_id: 'mid', timestamp: 10_000, text: 'f', attributes: { tempUID: 'temp', commands: [say('a'), { type: 'wait', time: 1 }, say('b')] } };
    const uids = (steps: ExpandedStep[]) => steps.flatMap((s) => (s.type === 'message' ? [[s.message.uid, s.message.attributes?.parentUid]] : []));
    expect(uids(expandCommands(message))).toEqual([['temp_0', 'temp'], ['temp_2', 'temp']]);
    expect(uids(expandCommands(message, { mode: 'history' }))).toEqual([['mid_0', 'mid'], ['mid_2', 'mid']]);
  });

  // A body as a chatbot posts it has no id yet: its parts get none either (not "undefined_0").
  it('gives the parts of a message without an id no uid and no parentUid', () => {
    const [first] = expandCommands({ text: 'f', attributes: { commands: [say('a')] } });
    expect(first?.type === 'message' && first.message).toEqual({ type: 'text', text: 'a', attributes: {} });
  });

  // The widget names parts after the message's uid (which it sets from chat21's message_id); REST documents have _id.
  it('names the parts after uid, else message_id, else _id', () => {
    const firstUid = (ids: Record<string, string>) => {
      const [first] = expandCommands({ ...ids, text: 'f', attributes: { commands: [say('a')] } });
      return first?.type === 'message' ? first.message.uid : undefined;
    };
    expect(firstUid({ _id: 'id', message_id: 'mid', uid: 'u' })).toBe('u_0');
    expect(firstUid({ _id: 'id', message_id: 'mid' })).toBe('mid_0');
    expect(firstUid({ _id: 'id' })).toBe('id_0');
  });

  it('trims part texts, as the widget does', () => {
    const [first] = expandCommands(withCommands([say('  hi \r\n')]));
    expect(first?.type === 'message' && first.message.text).toBe('hi');
  });

  // The widget's setTimeout reads a missing time as 0; DEFAULT_WAIT_MS is only the gap it stamps between timestamps.
  // Its conversation component shows "typing…" only for a wait event whose waitTime is truthy.
  it('shows the part after a wait without time at once, without typing, stamped DEFAULT_WAIT_MS later; defaultWaitMs adds a pause', () => {
    const commands = [say('a'), { type: 'wait' }, say('b'), { type: 'wait', time: null }, say('c')];
    const steps = expandCommands(withCommands(commands));
    expect(timeline(steps)).toEqual(['0 show a', '0 show b', '0 show c']);
    expect(steps.flatMap((s) => (s.type === 'message' ? [s.message.timestamp] : []))).toEqual([10_000, 10_000 + DEFAULT_WAIT_MS, 10_000 + 2 * DEFAULT_WAIT_MS]);
    expect(timeline(expandCommands(withCommands(commands), { defaultWaitMs: 250 }))).toEqual(['0 show a', '0 typing 250', '250 show b', '250 typing 250', '500 show c']);
  });

  it('shows no typing for a wait of 0 ms, and stamps the next part DEFAULT_WAIT_MS later', () => {
    const steps = expandCommands(withCommands([say('a'), { type: 'wait', time: 0 }, say('b'), { type: 'wait', time: 0 }]));
    expect(timeline(steps)).toEqual(['0 show a', '0 show b']);
    expect(steps.flatMap((s) => (s.type === 'message' ? [s.message.timestamp] : []))).toEqual([10_000, 10_000 + DEFAULT_WAIT_MS]);
    expect(timeline(expandCommands(withCommands([say('a'), { type: 'wait', time: 0 }, say('b')]), { defaultWaitMs: 250 }))).toEqual(['0 show a', '0 show b']);
  });

  it('reads a negative wait as 0, as setTimeout does', () => {
    expect(timeline(expandCommands(withCommands([say('a'), { type: 'wait', time: -500 }, say('b')])))).toEqual(['0 show a', '0 typing 0', '0 show b']);
  });

  it('starts with a typing indicator when the first command is a wait (how tybot sends replies)', () => {
    const steps = expandCommands(corpusEntries()[18]!.message);
    expect(timeline(steps)).toEqual(['0 typing 500', '500 show Hi, how can I help you?']);
  });

  it('stops at a command type the widget does not handle (tybot voice settings)', () => {
    const dtmf = corpusEntries().find((e) => e.message['_tdActionType'] === 'dtmf_form')!.message;
    const steps = expandCommands(dtmf);
    expect(timeline(steps)).toEqual(['0 typing 500', '500 show This is a dtmf form', '500 stop unsupported-command']);
    expect(steps.at(-1)).toMatchObject({ index: 3, detail: expect.stringContaining('"settings"') });
    expect(steps.at(-1)).toMatchObject({ detail: expect.not.stringContaining('later message') });
  });

  it.each([
    ['two waits in a row', [{ type: 'wait', time: 100 }, { type: 'wait', time: 100 }, say('a')], 2],
    ['two messages after a leading wait', [{ type: 'wait', time: 100 }, say('a'), say('b')], 2],
    ['a message command without its message', [say('a'), { type: 'wait', time: 1 }, { type: 'message' }], 2],
    ['an empty list', [], 0],
  ])('stops where the widget throws: %s', (_what, commands, index) => {
    const steps = expandCommands(withCommands(commands));
    expect(steps.at(-1)).toMatchObject({ type: 'stop', reason: 'widget-error', index });
  });

  it('says that the widget shows nothing for an empty list, without claiming it throws', () => {
    expect(expandCommands(withCommands([]))).toEqual([
      { type: 'stop', index: 0, at: 0, reason: 'widget-error', detail: 'an empty commands list: the widget shows nothing for it' },
    ]);
  });
});

describe('expandCommands: history (replayed when the conversation is reopened)', () => {
  it('skips the wait after each part: the parts show at once, their timestamps 100 ms apart', () => {
    const steps = expandCommands(seedSplit, { mode: 'history' });
    expect(timeline(steps)).toEqual([
      "0 show Hello 👋. I'm a bot 🤖",
      "0 show I'm beautiful",
      '0 show Do you need help?',
      '0 show I can really help you with joy!',
    ]);
    expect(steps.map((s) => (s.type === 'message' ? s.message.timestamp : null))).toEqual([10_000, 10_100, 10_200, 10_300]);
  });

  it('still waits out a leading wait (no part before it to skip it), without typing', () => {
    const steps = expandCommands(corpusEntries()[18]!.message, { mode: 'history' });
    expect(timeline(steps)).toEqual(['500 show Hi, how can I help you?']);
    const twoParts = expandCommands(withCommands([{ type: 'wait', time: 700 }, say('a'), { type: 'wait', time: 300 }, say('b')]), { mode: 'history' });
    expect(timeline(twoParts)).toEqual(['700 show a', '700 show b']);
    expect(twoParts.map((s) => (s.type === 'message' ? s.message.timestamp : null))).toEqual([10_000, 10_100]);
  });
});

describe('expandCommands: where history replay stops', () => {
  // The widget awaits each split message while it loads the history: where one stops, the later messages never show.
  it.each([
    ['an unsupported command', [say('a'), { type: 'wait', time: 300 }, { type: 'settings' }], 2, 'unsupported-command'],
    ['a message two places after a wait', [{ type: 'wait', time: 100 }, say('a'), say('b')], 2, 'widget-error'],
    ['a message command without its message', [say('a'), { type: 'wait', time: 1 }, { type: 'message' }], 2, 'widget-error'],
  ])('says so at %s', (_what, commands, index, reason) => {
    const steps = expandCommands(withCommands(commands), { mode: 'history' });
    expect(steps.at(-1)).toMatchObject({ type: 'stop', index, reason, detail: expect.stringContaining('no later message of the conversation shows either') });
    expect(expandCommands(withCommands(commands)).at(-1)).toMatchObject({ type: 'stop', index, reason, detail: expect.not.stringContaining('later message') });
  });

  it('not at an empty list, which the widget skips', () => {
    expect(expandCommands(withCommands([]), { mode: 'history' })).toEqual([
      { type: 'stop', index: 0, at: 0, reason: 'widget-error', detail: 'an empty commands list: the widget shows nothing for it' },
    ]);
  });
});

describe('expandCommands: other input', () => {
  it('returns a message without commands as its only step', () => {
    const message = { ...envelope, text: 'plain' };
    expect(expandCommands(message)).toEqual([{ type: 'message', index: 0, at: 0, message }]);
  });

  // chat21-web-widget treats any truthy `attributes.commands` as the list: for `true` it reads `.type` of
  // `commands[0]` (undefined) and throws, so the message never shows, and in history the replay stops there.
  it('stops at commands: true on a message the widget did not split off; a part (parentUid) or a falsy commands is shown as is', () => {
    const flagged = { ...envelope, text: 'x', attributes: { commands: true } };
    expect(expandCommands(flagged)).toEqual([
      { type: 'stop', index: 0, at: 0, reason: 'widget-error', detail: 'commands is true, not a list: the widget throws' },
    ]);
    expect(expandCommands(flagged, { mode: 'history' })).toMatchObject([{ type: 'stop', detail: expect.stringContaining('no later message of the conversation shows either') }]);
    for (const attributes of [{ commands: true, parentUid: 'p' }, { commands: false }, { commands: '' }, { commands: 0 }, { commands: null }]) {
      const message = { ...envelope, text: 'x', attributes };
      expect(expandCommands(message)).toEqual([{ type: 'message', index: 0, at: 0, message }]);
    }
  });

  it('throws a typed error for values that are not messages', () => {
    expect(() => expandCommands({ attributes: { commands: 'soon' } })).toThrow(InvalidMessageError);
    expect(() => expandCommands(null)).toThrow(InvalidMessageError);
  });
  // From plain JavaScript, as the builders read theirs: it threw "Cannot read properties of null (reading 'mode')",
  // found by test/messages/differential.test.ts.
  it('reads null options as no options', () => {
    expect(expandCommands(seedSplit, null as never)).toEqual(expandCommands(seedSplit));
  });

  // From plain JavaScript: each was read as the default (live, no pause), or an infinite pause, without a word.
  it.each([
    ['{ mode: "History" }', { mode: 'History' }, 'options.mode', 'must be one of "live", "history", got the string "History"'],
    ['{ mode: null }', { mode: null }, 'options.mode', 'must be one of "live", "history", got null'],
    ['{ defaultWaitMs: -1 }', { defaultWaitMs: -1 }, 'options.defaultWaitMs', 'must be ≥ 0'],
    ['{ defaultWaitMs: NaN }', { defaultWaitMs: Number.NaN }, 'options.defaultWaitMs', 'must be a number, got number NaN'],
    ['{ defaultWaitMs: Infinity }', { defaultWaitMs: Infinity }, 'options.defaultWaitMs', 'must be a number, got number Infinity'],
    ['{ defaultWaitMs: "500" }', { defaultWaitMs: '500' }, 'options.defaultWaitMs', 'must be a number, got the string "500"'],
    ['{ defaultWaitMs: null }', { defaultWaitMs: null }, 'options.defaultWaitMs', 'must be a number, got null'],
    ['"history"', 'history', 'options', 'must be an object, got the string "history"'],
    ['0', 0, 'options', 'must be an object, got number 0'],
  ])('refuses the options %s with an InvalidMessageError naming %s', (_what, options, path, message) => {
    // On a split message and on a plain one alike: the options are checked before the message is read.
    for (const input of [seedSplit, { ...envelope, text: 'plain' }]) {
      let error: unknown;
      try {
        expandCommands(input, options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect(error).toMatchObject({ path, issues: [{ path, message }], message: `invalid options: ${path}: ${message}` });
    }
  });

  it('accepts every valid option value, and options it does not know', () => {
    const accepted = [{}, { mode: 'live' }, { mode: 'history', defaultWaitMs: 0 }, { defaultWaitMs: 1e308 }, { defaultWaitMs: 250, extra: true }];
    for (const options of accepted) expect(() => expandCommands(seedSplit, options as never)).not.toThrow();
  });
});
