import { describe, expect, it } from 'vitest';
import { InvalidMessageError, parseOutboundMessage, safeParseOutboundMessage } from '../../src/messages/index.js';

type Json = Record<string, unknown>;

const withButtons = (...list: unknown[]): Json => ({
  type: 'text',
  text: 'Pick one',
  attributes: { attachment: { type: 'template', buttons: list } },
});
const ok = { type: 'text', value: 'OK' };
const docs = { type: 'url', value: 'Docs', link: 'https://example.com/docs' };
const say = (text: string, attributes?: Json) => ({ type: 'message', message: attributes ? { type: 'text', text, attributes } : { type: 'text', text } });
const pause = (time: number) => ({ type: 'wait', time });
const splitOf = (...commands: unknown[]): Json => ({ type: 'text', text: 'fallback', attributes: { commands } });
const quickReplyAttributes = { attachment: { type: 'template', buttons: [ok] } };
const card = (extra: Json = {}) => ({ preview: { src: 'https://example.com/a.png' }, title: 'A', ...extra });
const galleryOf = (...cards: unknown[]): Json => ({ type: 'gallery', attributes: { attachment: { type: 'gallery', gallery: cards } } });

/** [what, message, expected path of the first issue]. */
const invalid: [string, unknown, string][] = [
  ['an image without src', { type: 'image', metadata: { width: 200 } }, 'metadata.src'],
  ['an image without metadata', { type: 'image', text: 'x' }, 'metadata'],
  ['an image with a relative src', { type: 'image', metadata: { src: 'logo.png' } }, 'metadata.src'],
  ['an image with a negative width', { type: 'image', metadata: { src: 'https://example.com/a.png', width: -1 } }, 'metadata.width'],
  ['a frame without src', { type: 'frame', metadata: {} }, 'metadata.src'],
  ['a frame with a javascript: src', { type: 'frame', metadata: { src: 'javascript:alert(1)' } }, 'metadata.src'],
  ['a frame with a non-size width', { type: 'frame', metadata: { src: 'https://example.com', width: 'wide' } }, 'metadata.width'],
  ['a file without metadata.type', { type: 'file', metadata: { src: 'https://example.com/a.pdf' } }, 'metadata.type'],
  ['a file with a non-MIME type', { type: 'file', metadata: { src: 'https://example.com/a.pdf', type: 'pdf' } }, 'metadata.type'],
  ['a tts without an audio type', { type: 'tts', text: 'hi', metadata: { src: 'https://example.com/a', type: 'text/plain' } }, 'metadata.type'],
  ['an unknown message type', { type: 'video', text: 'x' }, 'type'],
  ['a text message without text', { type: 'text' }, 'text'],
  ['a blank text', { text: '   ' }, 'text'],
  ['a blank html', { type: 'html', text: '' }, 'text'],
  ['an unknown top-level key (the server drops it)', { text: 'x', sender_fullname: 'Bot' }, 'sender_fullname'],
  ['a url button without link', withButtons(ok, ok, { type: 'url', value: 'Docs' }), 'attributes.attachment.buttons[2].link'],
  ['a url button with a bare domain', withButtons({ ...docs, link: 'www.example.com' }), 'attributes.attachment.buttons[0].link'],
  ['a url button with a javascript: link', withButtons({ ...docs, link: 'javascript:alert(1)' }), 'attributes.attachment.buttons[0].link'],
  ['an unknown target', withButtons(ok, { ...docs, target: '_blank' }), 'attributes.attachment.buttons[1].target'],
  ['an empty button list', withButtons(), 'attributes.attachment.buttons'],
  ['a button without value', withButtons({ type: 'text' }), 'attributes.attachment.buttons[0].value'],
  ['an unknown button type', withButtons(ok, { type: 'postback', value: 'x' }), 'attributes.attachment.buttons[1].type'],
  ['a misspelt button field', withButtons({ type: 'action', value: 'Go', action: 'go', showEcho: true }), 'attributes.attachment.buttons[0].showEcho'],
  ['an action button without action', withButtons({ type: 'action', value: 'Go' }), 'attributes.attachment.buttons[0].action'],
  ['an attachment of another type', { text: 'x', attributes: { attachment: { type: 'buttons', buttons: [ok] } } }, 'attributes.attachment.type'],
  ['two adjacent waits', splitOf(say('a'), pause(500), pause(500), say('b')), 'attributes.commands[2]'],
  ['two adjacent messages', splitOf(pause(500), say('a'), say('b')), 'attributes.commands[2]'],
  ['an empty command list', splitOf(), 'attributes.commands'],
  ['commands with no message', splitOf(pause(500)), 'attributes.commands'],
  ['an unknown command type', splitOf(say('a'), { type: 'settings', settings: {} }), 'attributes.commands[1].type'],
  ['a wait without time', splitOf(say('a'), { type: 'wait' }, say('b')), 'attributes.commands[1].time'],
  ['a negative wait', splitOf(say('a'), pause(-1), say('b')), 'attributes.commands[1].time'],
  ['a quick reply on a part that is not the last', splitOf(say('a', quickReplyAttributes), pause(500), say('b')), 'attributes.commands[0].message.attributes.attachment.buttons[0]'],
  ['buttons on the split message itself', { ...splitOf(say('a')), attributes: { commands: [say('a')], ...quickReplyAttributes } }, 'attributes.attachment'],
  ['nested commands', splitOf(say('a', { commands: [say('b')] })), 'attributes.commands[0].message.attributes.commands'],
  ['commands on an image', { type: 'image', metadata: { src: 'https://example.com/a.png' }, attributes: { commands: [say('a')] } }, 'attributes.commands'],
  ['an invalid part', splitOf(say('a'), pause(1), { type: 'message', message: { type: 'image', metadata: {} } }), 'attributes.commands[2].message.metadata.src'],
  ['an empty gallery', galleryOf(), 'attributes.attachment.gallery'],
  ['a gallery card without preview', galleryOf(card(), { title: 'B' }), 'attributes.attachment.gallery[1].preview'],
  ['a gallery card with an empty button list', galleryOf(card({ buttons: [] })), 'attributes.attachment.gallery[0].buttons'],
  ['a gallery card with a bad button', galleryOf(card({ buttons: [{ type: 'url', value: 'x' }] })), 'attributes.attachment.gallery[0].buttons[0].link'],
  ['a gallery without attachment', { type: 'gallery', text: 'x' }, 'attributes'],
  ['a redirect with buttons', { type: 'redirect', metadata: { src: 'https://example.com' }, attributes: quickReplyAttributes }, 'attributes.attachment'],
  ['a redirect to an unknown target', { type: 'redirect', metadata: { src: 'https://example.com', target: 'top' } }, 'metadata.target'],
  ['an unknown subtype', { text: 'x', attributes: { subtype: 'hidden' } }, 'attributes.subtype'],
  ['a non-boolean disableInputMessage', { text: 'x', attributes: { disableInputMessage: 'true' } }, 'attributes.disableInputMessage'],
  ['an invalid updateUserEmail', { text: 'x', attributes: { updateUserEmail: 'andrea' } }, 'attributes.updateUserEmail'],
  ['an unknown messagelabel key', { text: 'x', attributes: { subtype: 'info', messagelabel: { key: 'HELLO' } } }, 'attributes.messagelabel.key'],
  ['not an object', 'hello', ''],
];

describe('outbound rejects what the widget does not render correctly', () => {
  it.each(invalid)('%s → %s', (_what, message, path) => {
    const result = safeParseOutboundMessage(message);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error).toBeInstanceOf(InvalidMessageError);
    expect(result.error.code).toBe('invalid_message');
    expect(result.error.path).toBe(path);
    expect(result.error.message).toContain(path === '' ? '(message)' : path);
    expect(() => parseOutboundMessage(message)).toThrow(InvalidMessageError);
  });

  it('lists every issue, not only the first', () => {
    const result = safeParseOutboundMessage(withButtons({ type: 'url', value: 'a' }, { type: 'action', value: 'b' }));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues.map((i) => i.path)).toEqual([
      'attributes.attachment.buttons[0].link',
      'attributes.attachment.buttons[1].action',
    ]);
  });

  it('says which types exist when the type is unknown', () => {
    const result = safeParseOutboundMessage({ type: 'video', text: 'x' });
    if (result.success) throw new Error('expected a failure');
    expect(result.error.issues[0]?.message).toMatch(/"text".*"image".*"file".*"frame".*"html".*"gallery".*"redirect"/);
  });
});

describe('outbound accepts what the widget renders', () => {
  it.each([
    ['a text without type (the default)', { text: 'Hello' }],
    ['custom attributes', { text: 'x', attributes: { orderId: 42, nested: { a: [1] } } }],
    ['a split message starting with a wait', splitOf(pause(500), say('a'), pause(0), say('b', quickReplyAttributes))],
    ['url buttons on a part that is not the last', splitOf(say('a', { attachment: { type: 'template', buttons: [docs] } }), pause(1), say('b'))],
    ['a frame sized in percent', { type: 'frame', metadata: { src: 'https://example.com', width: '100%', height: 300 } }],
    ['a gallery card with the placeholder image', galleryOf({ preview: { src: '' }, title: 'No image' })],
    ['an audio file', { type: 'file', metadata: { src: 'https://example.com/a.mp3', type: 'audio/mpeg' } }],
    ['a hidden info message with a label', { text: 'x', attributes: { subtype: 'info', messagelabel: { key: 'CHAT_CLOSED' } } }],
    ['a url_preview with display fields', { type: 'url_preview', text: 'https://example.com', displayFields: { image: false } }],
    ['mailto and tel links', withButtons({ ...docs, link: 'mailto:help@example.com' }, { ...docs, link: 'tel:+390000' })],
  ])('%s', (_what, message) => {
    expect(parseOutboundMessage(message)).toStrictEqual(message);
  });
});
