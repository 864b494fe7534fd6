import { describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  audio,
  buttons,
  card,
  classify,
  file,
  frame,
  gallery,
  html,
  image,
  parseOutboundMessage,
  redirect,
  split,
  text,
  tts,
  urlPreview,
  wait,
  type OutboundMessage,
} from '../../src/messages/index.js';
import { TiledeskError } from '../../src/shared/errors.js';
import { builderSamples } from './fixtures/built-messages.js';

const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

function thrown(fn: () => unknown): InvalidMessageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidMessageError) return error;
    throw error;
  }
  throw new Error('expected an InvalidMessageError');
}

describe('builders produce plain, valid, immutable messages', () => {
  it.each(builderSamples)('%s: JSON is the message, and it parses as outbound', (_name, build) => {
    const message = build();
    expect(parseOutboundMessage(plain(message))).toStrictEqual(plain(message));
    expect(plain(message)).toStrictEqual(plain(message.toJSON()));
    expect({ ...message }).toEqual(plain(message));
  });

  it.each(builderSamples)('%s: is deeply frozen, and toJSON() is a mutable copy', (_name, build) => {
    const message = build() as unknown as Record<string, unknown>;
    expect(Object.isFrozen(message)).toBe(true);
    for (const value of Object.values(message)) if (typeof value === 'object') expect(Object.isFrozen(value)).toBe(true);
    const copy = (build().toJSON() as unknown) as Record<string, unknown>;
    copy['text'] = 'changed';
    expect(message['text']).not.toBe('changed');
  });

  it.each(builderSamples)('%s: every object and array in it is frozen, however deep', (_name, build) => {
    const unfrozen: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (typeof value !== 'object' || value === null) return;
      if (!Object.isFrozen(value)) unfrozen.push(path);
      for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
    };
    walk(build(), '');
    expect(unfrozen).toEqual([]);
  });

  it('a custom attribute nested deep is frozen too', () => {
    const message = text('x').withAttributes({ order: { lines: [{ sku: 'a' }] } });
    const line = (message.attributes as { order: { lines: Record<string, unknown>[] } }).order.lines[0]!;
    expect(Object.isFrozen(line)).toBe(true);
  });

  it('is assignable where an OutboundMessage is expected (e.g. a REST send body)', () => {
    const body: OutboundMessage = text('Hello').withSender('Support bot');
    expect(plain(body)).toEqual({ type: 'text', text: 'Hello', senderFullname: 'Support bot' });
  });

  it('never changes the message a method is called on', () => {
    const base = text('Pick one').quickReplies('Yes');
    const more = base.quickReplies('No');
    const hidden = base.hidden();
    expect(plain(base)).toEqual({ type: 'text', text: 'Pick one', attributes: { attachment: { type: 'template', buttons: [{ type: 'text', value: 'Yes' }] } } });
    expect((more.attributes?.attachment?.buttons ?? []).map((b) => b.value)).toEqual(['Yes', 'No']);
    expect(hidden.attributes?.subtype).toBe('info');
    expect(more.attributes?.subtype).toBeUndefined();
  });
});

describe('builder defaults', () => {
  it('file: text is a markdown link to the file, as the widget’s own uploads write it, and name comes from the URL', () => {
    const message = file('https://example.com/files/report%202024.pdf?dl=1', { type: 'application/pdf' });
    expect(message.metadata.name).toBe('report 2024.pdf');
    expect(message.text).toBe('[report 2024.pdf](https://example.com/files/report%202024.pdf?dl=1)');
  });

  it('file: an empty text gets the link too (the widget has no file card: it would draw an empty bubble)', () => {
    expect(file('https://example.com/r.pdf', { type: 'application/pdf', text: '' }).text).toBe('[r.pdf](https://example.com/r.pdf)');
    expect(file('https://example.com/r.pdf', { type: 'application/pdf', text: 'Your report' }).text).toBe('Your report');
  });

  it('file: the name leaves out the URL’s #fragment, and is "file" when the URL ends in a slash', () => {
    expect(file('https://example.com/files/guide.pdf#page=2', { type: 'application/pdf' }).metadata.name).toBe('guide.pdf');
    const unnamed = file('https://example.com/download/', { type: 'application/pdf' });
    expect([unnamed.metadata.name, unnamed.text]).toEqual(['file', '[file](https://example.com/download/)']);
  });

  it('file: a literal % in the URL is kept in the name, not an escape (it used to throw URIError)', () => {
    expect(file('https://example.com/files/50%.pdf', { type: 'application/pdf' }).metadata.name).toBe('50%.pdf');
  });

  it('audio: a file message with an audio MIME type, audio/mpeg unless told otherwise', () => {
    expect(plain(audio('https://example.com/a.mp3'))).toEqual({ type: 'file', metadata: { src: 'https://example.com/a.mp3', type: 'audio/mpeg' } });
  });

  // A browser's MediaRecorder names its recordings `audio/webm;codecs=opus`; servers send `text/plain; charset=utf-8`.
  it('audio and file take a MIME type with parameters', () => {
    expect(audio('https://example.com/a.webm', { type: 'audio/webm;codecs=opus' }).metadata.type).toBe('audio/webm;codecs=opus');
    expect(file('https://example.com/a.txt', { type: 'text/plain; charset=utf-8' }).metadata.type).toBe('text/plain; charset=utf-8');
  });

  // The iframe's width and height attributes take pixels as written ("300"), with or without a unit.
  it('frame: width and height as numbers, or strings of pixels with or without px, or percentages', () => {
    expect(frame('https://example.com/map', { width: '300', height: '200px' }).metadata).toEqual({ src: 'https://example.com/map', width: '300', height: '200px' });
    expect(frame('https://example.com/map', { width: '100%', height: 240 }).metadata).toMatchObject({ width: '100%', height: 240 });
  });

  it('split: the fallback text is the parts’ texts, one per line, html and hidden (agent-only) parts left out', () => {
    expect(split(text('Hi'), wait(1), html('<b>x</b>'), wait(1), image('https://example.com/a.png', { text: 'Look' })).text).toBe('Hi\nLook');
    expect(split(text('agent-only note').hidden(), wait(1), text('Hello!')).text).toBe('Hello!');
  });

  // The widget drops a private part and shows an info/support part as a system line, as it does a hidden one.
  it('split: private and info/support parts are left out of the fallback text, as hidden ones are', () => {
    const note = (subtype: string) => text('agent-only note').withAttributes({ subtype });
    expect(split(note('private'), wait(1), note('info/support'), wait(1), text('Hello!')).text).toBe('Hello!');
  });

  it('split: no fallback text when no part has one to show', () => {
    expect('text' in split(image('https://example.com/a.png'), wait(1), html('<b>x</b>'))).toBe(false);
  });

  it('split: wait() defaults to the widget’s 1000 ms', () => {
    expect(wait()).toEqual({ type: 'wait', time: 1000 });
  });

  it('buttons.url without target leaves it out (the widget opens a new tab)', () => {
    expect(buttons.url('Docs', 'https://example.com')).toEqual({ type: 'url', value: 'Docs', link: 'https://example.com' });
  });

  it('buttons.action without showEcho leaves it out (the click is a hidden info message)', () => {
    expect(buttons.action('Go', 'go')).toEqual({ type: 'action', value: 'Go', action: 'go' });
  });

  it('buttons.action with showEcho: false writes show_echo: false', () => {
    expect(buttons.action('Go', 'go', { showEcho: false })).toEqual({ type: 'action', value: 'Go', action: 'go', show_echo: false });
  });

  // Own properties are exactly the JSON: an option left out is no key at all, not a key holding undefined.
  it('an option left out leaves no key holding undefined', () => {
    expect(card({ title: 'A' })).toStrictEqual({ preview: { src: '' }, title: 'A' });
    expect(text('x').disableInput().attributes).toStrictEqual({ disableInputMessage: true });
    expect({ ...urlPreview(['https://example.com/a']) }).toStrictEqual({ type: 'url_preview', text: 'https://example.com/a' });
    expect(audio('https://example.com/a.mp3').metadata).toStrictEqual({ src: 'https://example.com/a.mp3', type: 'audio/mpeg' });
  });

  it('card without image uses the placeholder preview', () => {
    expect(card({ title: 'A' })).toEqual({ preview: { src: '' }, title: 'A' });
  });

  it('urlPreview with source objects sends them as a JSON array', () => {
    const sources = [{ source_name: 'https://example.com/a', source_file_name: 'A' }];
    expect(JSON.parse(urlPreview(sources).text)).toEqual(sources);
  });

  // The widget draws a card for each of the first 10 distinct URLs of the text and silently drops the rest.
  it('urlPreview refuses an 11th distinct URL, naming text; repeats and source objects are not counted against it', () => {
    const links = Array.from({ length: 11 }, (_, i) => `https://example.com/${i}`);
    expect(urlPreview(links.slice(0, 10)).text.split('\n')).toHaveLength(10);
    expect(urlPreview([...links.slice(0, 10), `${links[0]}.`, links[9]!]).type).toBe('url_preview');
    expect(thrown(() => urlPreview(links)).issues).toEqual([
      { path: 'text', message: 'must hold 1 to 10 distinct http(s) URLs (the widget shows no more) or a JSON array of sources' },
    ]);
    const sources = links.map((source_name) => ({ source_name }));
    expect(JSON.parse(urlPreview(sources).text)).toEqual(sources);
  });

  it('withAttributes keeps a Date as the ISO string JSON sends (it used to become {})', () => {
    expect(text('x').withAttributes({ sentAt: new Date(0) }).attributes).toMatchObject({ sentAt: '1970-01-01T00:00:00.000Z' });
  });

  it('a message may nest 100 levels deep; one level more is a typed error naming the field, not a stack overflow', () => {
    // `attributes` is the first level: attributes 99 levels deep make the message 100.
    const deepest = text('x').withAttributes(nested(99));
    expect(JSON.stringify(deepest.withText('y'))).toContain('{"value":{}}');
    expect(thrown(() => text('x').withAttributes(nested(100))).issues).toEqual([
      { path: 'attributes', message: 'makes the message nested more than 100 levels deep (or is circular)' },
    ]);
    // A part of a split message sits 4 levels down (attributes.commands[i].message).
    expect(thrown(() => split(deepest)).path).toBe('attributes.commands');
  });

  it('withAttributes keeps custom attributes next to the widget ones', () => {
    const message = text('x').disableInput().withAttributes({ orderId: 7 });
    expect(message.attributes).toEqual({ disableInputMessage: true, orderId: 7 });
  });
});

describe('from plain JavaScript, a null, missing or mistyped argument is never a bare TypeError', () => {
  const src = 'https://example.com/a';
  const circularSource = () => {
    const source: Record<string, unknown> = { source_name: src };
    source['self'] = source;
    return source;
  };
  // Options objects: null is no options, as `undefined` is (it used to throw "Cannot destructure … as it is null").
  it.each([
    ['image(src, null)', () => image(src, null as never), image(src)],
    ['frame(src, null)', () => frame(src, null as never), frame(src)],
    ['audio(src, null)', () => audio(src, null as never), audio(src)],
    ['tts(src, transcript, null)', () => tts(src, 'Hi', null as never), tts(src, 'Hi')],
    ['urlPreview(sources, null)', () => urlPreview([src], null as never), urlPreview([src])],
    ['buttons.action(label, action, null)', () => buttons.action('Go', 'go', null as never), buttons.action('Go', 'go')],
    ['card(null)', () => card(null as never), card({})],
    ['.updateUser(null)', () => text('x').updateUser(null as never), text('x')],
  ])('%s is the call without it', (_what, build, expected) => {
    expect(JSON.stringify(build())).toBe(JSON.stringify(expected));
  });

  // Required arguments: the typed error naming the field.
  it.each([
    ['file(src)', 'metadata.type', () => (file as (src: string) => unknown)(src)],
    ['file(src, null)', 'metadata.type', () => file(src, null as never)],
    ['urlPreview(null)', 'text', () => urlPreview(null as never)],
    ['split(null)', 'attributes.commands[0].message.text', () => split(null as never)],
    ['split(text, null)', 'attributes.commands[1].message.text', () => split(text('a'), null as never)],
  ])('%s → %s', (_what, path, build) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.path).toBe(path);
  });

  // Found by test/messages/differential.test.ts: each threw a TypeError.
  it.each([
    ['file(undefined, { type })', 'metadata.src', () => file(undefined as never, { type: 'application/pdf' })],
    ['file(42, { type })', 'metadata.src', () => file(42 as never, { type: 'application/pdf' })],
    ['urlPreview(a source object, not a list)', 'text', () => urlPreview({ source_name: src } as never)],
    ['urlPreview(42)', 'text', () => urlPreview(42 as never)],
    ['urlPreview([a circular source])', 'text', () => urlPreview([circularSource()])],
    // JSON.stringify's TypeError on a bigint source (the message check comes after the sources are written as JSON).
    ['urlPreview([a source holding a bigint])', 'text', () => urlPreview([{ source_name: src, rank: 1n }])],
  ])('%s → %s, not a TypeError', (_what, path, build) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.path).toBe(path);
  });

  it('urlPreview(text), a string instead of a list, sends that string as the text', () => {
    expect(JSON.stringify(urlPreview(src as never))).toBe(JSON.stringify(urlPreview([src])));
    expect(urlPreview('Sources: https://example.com/a, https://example.com/b' as never).text).toBe('Sources: https://example.com/a, https://example.com/b');
  });
});

describe('builders refuse what the widget would not render, naming the field', () => {
  it.each([
    ['text("")', () => text(''), 'text'],
    ['image("")', () => image(''), 'metadata.src'],
    ['image with a zero width', () => image('https://example.com/a.png', { width: 0 }), 'metadata.width'],
    ['file with an empty MIME type', () => file('https://example.com/a.pdf', { type: '' }), 'metadata.type'],
    ['audio with a video MIME type', () => audio('https://example.com/a.mp4', { type: 'video/mp4' }), 'metadata.type'],
    // An audio type is audio/*, not any type that mentions "audio/" somewhere.
    ['tts with a video MIME type naming an audio codec', () => tts('https://example.com/a.mp4', 'Hi', { type: 'video/mp4; codecs=audio/aac' }), 'metadata.type'],
    ['frame with a relative src', () => frame('/embed/1'), 'metadata.src'],
    ['image whose URL has no host (a slash too many)', () => image('https:///logo.png'), 'metadata.src'],
    // The whole value must be the URL: the iframe would run a `javascript:` src whatever URL it ends with.
    ['frame with a javascript: src that ends in a URL', () => frame('javascript:alert(document.cookie)//https://example.com'), 'metadata.src'],
    ['redirect without scheme', () => redirect('tiledesk.com'), 'metadata.src'],
    ['buttons.url with a bare domain', () => buttons.url('Docs', 'docs.example.com'), 'link'],
    ['buttons.url with an unknown target', () => buttons.url('Docs', 'https://example.com', { target: 'top' as never }), 'target'],
    ['buttons.text with a blank label', () => buttons.text(' '), 'value'],
    ['buttons.action without action', () => buttons.action('Go', ''), 'action'],
    ['card with a bad image', () => card({ image: 'a.png' }), 'preview.src'],
    ['gallery without cards', () => gallery(), 'attributes.attachment.gallery'],
    ['.buttons() with no button', () => text('x').buttons(), 'attributes.attachment.buttons'],
    ['.buttons() with a raw invalid button', () => text('x').quickReplies('a', 'b').buttons({ type: 'url', value: 'Docs' } as never), 'attributes.attachment.buttons[2].link'],
    ['.updateUser() with an invalid email', () => text('x').updateUser({ email: 'andrea' }), 'attributes.updateUserEmail'],
    ['.updateUser() with a space in the email', () => text('x').updateUser({ email: 'ann smith@example.com' }), 'attributes.updateUserEmail'],
    ['.updateUser() with an email whose domain ends in a dot', () => text('x').updateUser({ email: 'ann@example.' }), 'attributes.updateUserEmail'],
    ['.withSender("")', () => text('x').withSender(''), 'senderFullname'],
    ['split with two waits in a row', () => split(text('a'), wait(1), wait(2), text('b')), 'attributes.commands[2]'],
    ['split with quick replies before the last part', () => split(text('a').quickReplies('x'), wait(1), text('b')), 'attributes.commands[0].message.attributes.attachment.buttons[0]'],
    ['split with an action button before the last part', () => split(text('a').buttons(buttons.action('Go', 'go')), wait(1), text('b')), 'attributes.commands[0].message.attributes.attachment.buttons[0]'],
    ['split of a split', () => split(split(text('a'))), 'attributes.commands[0].message.attributes.commands'],
    // Plain JS only (the type has no `buttons`): this used to be a TypeError ("attachment.buttons is not iterable").
    ['.buttons() on a gallery', () => (gallery(card({ title: 'A' })) as unknown as ReturnType<typeof text>).buttons(buttons.text('x')), 'attributes.attachment.buttons'],
    ['.buttons() on a split message', () => (split(text('a')) as unknown as ReturnType<typeof text>).buttons(buttons.text('x')), 'attributes.attachment'],
    // A hole (an option deleted from the list) used to pass and reach the wire as `null`, which the widget reads `.type` of.
    ['withAttributes with a sparse button list', () => text('Pick').withAttributes({ attachment: { type: 'template', buttons: sparse(buttons.text('Yes'), buttons.text('No')) } }), 'attributes.attachment.buttons[0]'],
    ['card with a sparse button list', () => card({ title: 'T', buttons: sparse(buttons.text('Yes'), buttons.text('No')) }), 'buttons[0]'],
    // Copying them used to overflow the stack: a RangeError naming nothing.
    ['withAttributes with a circular object', () => text('x').withAttributes(circular()), 'attributes'],
    ['withAttributes nested 20,000 levels deep', () => text('x').withAttributes(nested(20_000)), 'attributes'],
    ['buttons with a circular custom field', () => text('x').buttons({ ...buttons.text('a'), extra: circular() } as never), 'attributes.attachment.buttons'],
    ['gallery with a circular card', () => gallery(circular() as never), 'attributes.attachment.gallery'],
    ['tts with circular voice settings', () => tts('https://example.com/a.mp3', 'Hi', { voiceSettings: circular() }), 'metadata.voiceSettings'],
    ['split with a circular part', () => split(circular() as never), 'attributes.commands'],
    // JSON cannot write a bigint: the message could not be sent (TiledeskClient refused it only when sending).
    ['withAttributes with a bigint', () => text('x').withAttributes({ orderId: 10n }), 'attributes'],
    ['tts with a bigint in its voice settings', () => tts('https://example.com/a.mp3', 'Hi', { voiceSettings: { rate: 1n } }), 'metadata.voiceSettings'],
    ['split with a bigint in a part', () => split({ text: 'a', attributes: { n: 1n } } as never), 'attributes.commands'],
  ])('%s → %s', (_what, build, path) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(TiledeskError);
    expect(error.code).toBe('invalid_message');
    expect(error.path).toBe(path);
  });

  it('error JSON carries the path and every issue', () => {
    const error = thrown(() => text('x').buttons({ type: 'url', value: 'a' } as never, { type: 'url', value: 'b', link: 'x' } as never));
    expect(error.toJSON()).toMatchObject({
      name: 'InvalidMessageError',
      code: 'invalid_message',
      path: 'attributes.attachment.buttons[0].link',
      issues: [
        { path: 'attributes.attachment.buttons[0].link', message: 'is required' },
        { path: 'attributes.attachment.buttons[1].link', message: expect.stringContaining('http(s)') },
      ],
    });
  });
});

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: 1 };
  value['self'] = value;
  return value;
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) value = { value };
  return value;
}

/** An array with a hole where its first element was (what `delete list[0]` leaves). */
function sparse<T>(...items: T[]): T[] {
  const list = [...items];
  delete list[0];
  return list;
}

describe('what the builders accept, the readers read back', () => {
  // The widget reads these attributes as strings or booleans, and parseInboundMessage types them so. The builders
  // let any type through, so a message they built came back from classify() as `invalid`.
  it.each([
    ['tempUID', 42],
    ['parentUid', { id: 'p' }],
    ['sourcePage', 1],
    ['sourceTitle', ['Home']],
    ['updateconversation', 'false'],
    ['type', 7],
  ])('attributes.%s of the wrong type is refused by the builder, not by the reader', (key, value) => {
    expect(thrown(() => text('x').withAttributes({ [key]: value })).path).toBe(`attributes.${key}`);
  });

  it('classifies a message built with those attributes, well typed, as what it is', () => {
    const built = text('x').withAttributes({ tempUID: 't', parentUid: 'p', sourcePage: 'https://example.com/', sourceTitle: 'Home', updateconversation: false, type: 'text' });
    expect(classify(plain(built)).kind).toBe('text');
  });
});

