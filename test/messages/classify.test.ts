import { describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  classify,
  expandCommands,
  image,
  split,
  text,
  wait,
  type ClassifiedMessage,
  type MessageKind,
} from '../../src/messages/index.js';
import { corpusEntries, realServerMessages } from './fixtures/load.js';

/** Exhaustive on purpose: adding a kind without handling it here fails `tsc`. */
function summary(c: ClassifiedMessage): string {
  switch (c.kind) {
    case 'text':
    case 'info':
    case 'url_preview':
      return `${c.kind}:${c.text}`;
    case 'image':
    case 'frame':
    case 'file':
    case 'audio':
    case 'tts':
      return `${c.kind}:${c.src}`;
    case 'html':
      return `html:${c.fallbackText}`;
    case 'gallery':
      return `gallery:${c.cards.length}`;
    case 'redirect':
      return `redirect:${c.target}:${c.link}`;
    case 'private':
      return 'private';
    case 'split':
      return `split:${c.commands.length}`;
    case 'unsupported':
      return `unsupported:${c.type}`;
    case 'invalid':
      return `invalid:${c.reason}`;
    default: {
      const unhandled: never = c;
      return unhandled;
    }
  }
}

const corpus = corpusEntries();

/** The first part the widget would show for a split message. */
function firstPart(message: unknown): unknown {
  const step = expandCommands(message).find((s) => s.type === 'message');
  if (step?.type !== 'message') throw new Error('expected a message part');
  return step.message;
}

/** What each corpus entry is, read off the corpus by hand: the message kind, then the kinds of its parts. */
const expected: [MessageKind, MessageKind[]][] = [
  ['text', []], // 1 chat21 envelope
  ['split', ['text']], // 2 text fallback
  ['split', ['text']], // 3 welcome with 6 action buttons
  ['split', ['image']], // 4
  ['split', ['frame']], // 5
  ['split', ['gallery']], // 6
  ['split', ['redirect']], // 7
  ['split', ['text']], // 8 text + action + url buttons
  ['split', ['text']], // 9 replyv2
  ['split', ['text']], // 10 noMatch/noInput
  ['split', ['text', 'image', 'text', 'frame']], // 11 random reply
  ['info', []], // 12 hmessage
  ['split', ['text']], // 13 payload filter
  ['split', ['text', 'text']], // 14 language filters (both parts; tybot drops one before sending)
  ['split', ['text']], // 15 json_buttons
  ['split', ['text']], // 16 dtmf form: the voice `settings` command stops the widget
  ['split', ['text']], // 17 json_gallery only: no `gallery` array, so the widget shows the (empty) text
  ['split', ['text', 'text', 'text', 'text']], // 18 the image part has src "" and falls back to text
  ['split', ['text']], // 19 blank template welcome
];

describe('classify on the chatbot corpus', () => {
  it('has an expectation for every entry', () => {
    expect(expected).toHaveLength(corpus.length);
  });

  it.each(corpus.map((entry, i) => [i + 1, entry.message, expected[i]!] as const))(
    'entry %i is %j',
    (_n, message, [kind, partKinds]) => {
      const classified = classify(message);
      expect(classified.kind).toBe(kind);
      expect(summary(classified)).toEqual(expect.any(String));
      const parts = kind === 'split' ? expandCommands(message).flatMap((s) => (s.type === 'message' ? [classify(s.message).kind] : [])) : [];
      expect(parts).toEqual(partKinds);
    },
  );

  it('keeps the buttons the widget draws and their order (entry 8: quick reply, action, url)', () => {
    const c = classify(firstPart(corpus[7]!.message));
    if (c.kind !== 'text') throw new Error(`expected text, got ${c.kind}`);
    expect(c.buttons.map((b) => [b.type, b.value])).toEqual([
      ['text', 'button_text'],
      ['action', 'button_action'],
      ['url', 'button_url'],
    ]);
  });

  it('reads the redirect target and link as sent (entry 7)', () => {
    expect(classify(firstPart(corpus[6]!.message))).toMatchObject({ kind: 'redirect', link: 'tiledesk.com', target: 'blank' });
  });
});

describe('classify on the real-server messages', () => {
  const captured = realServerMessages();

  it('reads plain agent and visitor messages as text and the close notice as an info line', () => {
    const kinds = new Set(captured.map((c) => classify(c.message).kind));
    expect([...kinds].sort()).toEqual(['info', 'text']);
    const closed = captured.map((c) => classify(c.message)).find((c) => c.kind === 'info');
    expect(closed).toMatchObject({ kind: 'info', text: 'Chat closed', label: { key: 'CHAT_CLOSED' } });
  });
});

describe('classify follows the widget’s rules', () => {
  const src = 'https://example.com/a';
  it.each<[string, unknown, Partial<Record<string, unknown>>]>([
    ['type defaults to text', { text: '  Hello  ' }, { kind: 'text', text: 'Hello' }],
    ['an image', image(`${src}.png`, { width: 200 }), { kind: 'image', src: `${src}.png`, width: 200 }],
    // Senders write null for "not set": the classified fields say undefined, as their types do.
    ['an image whose name is null', { type: 'image', metadata: { src, name: null } }, { kind: 'image', name: undefined }],
    ['a file whose name is null', { type: 'file', text: 'x', metadata: { src, type: 'application/pdf', name: null } }, { kind: 'file', name: undefined }],
    ['an image without src shows as text', { type: 'image', text: 'caption', metadata: { src: '' } }, { kind: 'text', text: 'caption' }],
    ['a frame', { type: 'frame', metadata: { src, width: '100%' } }, { kind: 'frame', src, width: '100%' }],
    ['a file', { type: 'file', text: '[a](x)', metadata: { src, type: 'application/pdf', name: 'a' } }, { kind: 'file', mimeType: 'application/pdf', name: 'a' }],
    ['a file with an audio type is audio', { type: 'file', metadata: { src, type: 'audio/webm;codecs=opus' } }, { kind: 'audio', mimeType: 'audio/webm;codecs=opus' }],
    ['a file with src but no type crashes the widget', { type: 'file', metadata: { src } }, { kind: 'invalid', error: undefined }],
    ['a tts message', { type: 'tts', text: 'Hi', metadata: { src, type: 'audio/mpeg', voiceSettings: { v: 1 } } }, { kind: 'tts', text: 'Hi', voiceSettings: { v: 1 } }],
    ['a gallery', { type: 'gallery', attributes: { attachment: { gallery: [{ preview: { src: '' } }] } } }, { kind: 'gallery' }],
    ['url_preview by type', { type: 'url_preview', text: src }, { kind: 'url_preview', text: src }],
    ['url_preview by metadata.type', { type: 'text', text: src, metadata: { type: 'url_preview' } }, { kind: 'url_preview' }],
    ['url_preview by attributes.type', { type: 'text', text: src, attributes: { type: 'url_preview' } }, { kind: 'url_preview', text: src }],
    ['a redirect opening in the widget', { type: 'redirect', metadata: { src, target: 'self' } }, { kind: 'redirect', link: src, target: 'self' }],
    ['a redirect opening in the host page', { type: 'redirect', metadata: { src, target: 'parent' } }, { kind: 'redirect', link: src, target: 'parent' }],
    ['a redirect with an unknown target opens a new tab', { type: 'redirect', metadata: { src, target: '_top' } }, { kind: 'redirect', target: 'blank' }],
    ['a hidden message', text('start').hidden(), { kind: 'info', text: 'start', label: undefined }],
    ['info/support with a label', { text: 'x', attributes: { subtype: 'info/support', messagelabel: { key: 'MEMBER_JOINED_GROUP', parameters: { member_id: 'u1' } } } }, { kind: 'info', label: { key: 'MEMBER_JOINED_GROUP', parameters: { member_id: 'u1' } } }],
    // The widget reads `parameters.member_id.includes(…)` of a join line and `parameters.fullname` of a leave line.
    ['a join line without member_id crashes the widget', { text: 'x', attributes: { subtype: 'info', messagelabel: { key: 'MEMBER_JOINED_GROUP', parameters: null } } }, { kind: 'invalid', error: undefined, reason: expect.stringContaining('attributes.messagelabel.parameters.member_id must be a string') }],
    ['a leave line without parameters crashes the widget', { text: 'x', attributes: { subtype: 'info', messagelabel: { key: 'MEMBER_LEFT_GROUP' } } }, { kind: 'invalid', reason: expect.stringContaining('attributes.messagelabel.parameters.fullname or parameters.member_id is required') }],
    ['a leave line naming the member', { text: 'x', attributes: { subtype: 'info', messagelabel: { key: 'MEMBER_LEFT_GROUP', parameters: { fullname: 'Ann' } } } }, { kind: 'info', label: { key: 'MEMBER_LEFT_GROUP' } }],
    ['a private message', { text: 'x', attributes: { subtype: 'private' } }, { kind: 'private' }],
    ['a split message, even when hidden', split(text('a'), wait(1), text('b')).hidden(), { kind: 'split' }],
    ['a part the widget split off (commands: true)', { text: 'x', attributes: { commands: true, parentUid: 'p' } }, { kind: 'text', text: 'x' }],
    // The widget splits any message whose commands is truthy: `true` reads commands[0].type of undefined and throws.
    ['commands: true on a message the widget did not split off', { text: 'x', attributes: { commands: true } }, { kind: 'invalid', error: undefined, text: 'x' }],
    ['commands: false is an ordinary message', { text: 'x', attributes: { commands: false } }, { kind: 'text', text: 'x' }],
    ['commands: null is an ordinary message (the widget splits only when commands is truthy)', { text: 'x', attributes: { commands: null } }, { kind: 'text', text: 'x' }],
    // `msg.attributes && msg.attributes.commands` (mqtt-conversation-handler.ts): any falsy value is no commands.
    ["commands: '' is an ordinary message", { text: 'x', attributes: { commands: '' } }, { kind: 'text', text: 'x' }],
    ['commands: 0 is an ordinary message', { text: 'x', attributes: { commands: 0 } }, { kind: 'text', text: 'x' }],
    ['commands: NaN is an ordinary message', { text: 'x', attributes: { commands: Number.NaN } }, { kind: 'text', text: 'x' }],
    ["a message with commands: '' is classified by its other fields", { type: 'image', metadata: { src }, attributes: { commands: '', subtype: 'info' } }, { kind: 'info' }],
    ['an image with commands: 0 is an image', { type: 'image', metadata: { src }, attributes: { commands: 0 } }, { kind: 'image', src }],
    ['an unsupported type', { type: 'video', text: 'watch', metadata: { src } }, { kind: 'unsupported', type: 'video', text: 'watch' }],
  ])('%s', (_what, message, shape) => {
    expect(classify(message)).toMatchObject(shape);
  });

  it('drops button types the widget ignores', () => {
    const c = classify({ text: 'x', attributes: { attachment: { buttons: [{ type: 'postback', value: 'a' }, { type: 'text', value: 'b' }] } } });
    expect(c.kind === 'text' && c.buttons.map((b) => b.value)).toEqual(['b']);
  });

  it('flags html as untrusted and offers a plain-text fallback', () => {
    const markup = '<div><p>Hello &amp; <b>welcome</b></p><script>steal()</script><img src=x onerror=alert(1)></div>';
    expect(classify({ type: 'html', text: markup })).toMatchObject({
      kind: 'html',
      untrusted: true,
      markup,
      fallbackText: 'Hello & welcome',
    });
  });

  it.each([null, 42, 'hello', [], { text: 42 }, { attributes: [] }])('never throws: %j is "invalid" with the error', (input) => {
    const c = classify(input);
    expect(c.kind).toBe('invalid');
    if (c.kind === 'invalid') expect(c.error).toBeInstanceOf(InvalidMessageError);
  });
});
