/**
 * `tiledesk-sdk/messages` in Chromium and Firefox: builders write the documented JSON, built messages are frozen, outbound
 * validation names the field, inbound parsing keeps unknown fields, `classify`/`expandCommands` read what the widget
 * would draw, the zod schemas of `tiledesk-sdk/messages/schemas` give the same answers — and end to end, a message
 * built in the page, sent with the page's TiledeskClient and received on the page's WebSocket, is parsed and
 * classified there.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startTiledeskServer, type TiledeskTestServer } from '../../src/testing/index.js';
import { launchBrowser, openTestPage, Resources, until, type BrowserPage as Page, type TestBrowser } from './helpers.js';

let browser: TestBrowser;
let server: TiledeskTestServer;
const resources = new Resources();

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTiledeskServer();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
afterEach(async () => {
  await resources.dispose();
  await until(() => server.stats().wsConnections === 0, 'the page’s sockets to be gone');
});

async function openPage(): Promise<Page> {
  return resources.add(await openTestPage(browser), (p) => p.close());
}

it('builders write the documented JSON, and built messages are deeply frozen', async () => {
  const page = await openPage();
  const out = await page.evaluate(() => {
    const { text, image, file, gallery, card, buttons, split, wait, html } = window.TD.messages;
    const quick = text('Pick one').quickReplies('Yes', 'No');
    const built = {
      quick,
      url: text('Read more').buttons(buttons.url('Docs', 'https://developer.tiledesk.com', { target: 'self' })),
      image: image('https://example.com/logo.png', { width: 200, height: 200, text: 'Our logo' }),
      file: file('https://example.com/report.pdf', { type: 'application/pdf' }),
      gallery: gallery(card({ title: 'Basic' })),
      split: split(text('Hi'), wait(500), text('How can I help?')),
      html: html('<p><b>Opening hours</b>: 9–18</p>'),
    };
    const json = Object.fromEntries(Object.entries(built).map(([k, v]) => [k, JSON.stringify(v)]));
    const buttonsOfQuick = (quick as any).attributes.attachment.buttons;
    return {
      json,
      frozen: [Object.isFrozen(quick), Object.isFrozen(buttonsOfQuick), Object.isFrozen(buttonsOfQuick[0])],
      assignment: Reflect.set(quick, 'text', 'changed'),
      copyIsMutable: (() => {
        const copy = quick.toJSON() as { text: string };
        copy.text = 'changed';
        return copy.text === 'changed' && quick.text === 'Pick one';
      })(),
    };
  });
  expect(out.json).toEqual({
    quick: '{"type":"text","text":"Pick one","attributes":{"attachment":{"type":"template","buttons":[{"type":"text","value":"Yes"},{"type":"text","value":"No"}]}}}',
    url: '{"type":"text","text":"Read more","attributes":{"attachment":{"type":"template","buttons":[{"type":"url","value":"Docs","link":"https://developer.tiledesk.com","target":"self"}]}}}',
    image: '{"type":"image","text":"Our logo","metadata":{"src":"https://example.com/logo.png","width":200,"height":200}}',
    file: '{"type":"file","text":"[report.pdf](https://example.com/report.pdf)","metadata":{"name":"report.pdf","src":"https://example.com/report.pdf","type":"application/pdf"}}',
    gallery: '{"type":"gallery","attributes":{"attachment":{"type":"gallery","gallery":[{"preview":{"src":""},"title":"Basic"}]}}}',
    split: '{"type":"text","text":"Hi\\nHow can I help?","attributes":{"commands":[{"type":"message","message":{"text":"Hi","type":"text"}},{"type":"wait","time":500},{"type":"message","message":{"text":"How can I help?","type":"text"}}]}}',
    html: '{"type":"html","text":"<p><b>Opening hours</b>: 9–18</p>"}',
  });
  expect(out.frozen).toEqual([true, true, true]);
  expect(out.assignment).toBe(false);
  expect(out.copyIsMutable).toBe(true);
});

it('outbound validation throws InvalidMessageError naming the field; safeParse reports instead of throwing', async () => {
  const page = await openPage();
  const out = await page.evaluate(() => {
    const { text, buttons, parseOutboundMessage, safeParseOutboundMessage, InvalidMessageError } = window.TD.messages;
    const caught = (fn: () => unknown) => {
      try {
        fn();
        return 'no error';
      } catch (e) {
        return e instanceof InvalidMessageError ? { code: e.code, path: e.path, isTypeError: e instanceof TypeError } : String(e);
      }
    };
    const badButton = { type: 'url', value: 'Docs' } as unknown as ReturnType<typeof buttons.text>;
    const unsafe = safeParseOutboundMessage({ type: 'frame', metadata: { src: 'javascript:alert(1)' } });
    return {
      button: caught(() => text('Pick one').buttons(buttons.text('a'), buttons.text('b'), badButton)),
      unknownKey: caught(() => parseOutboundMessage({ type: 'text', text: 'hi', sender_fullname: 'Bot' })),
      frame: unsafe.success ? 'accepted' : { path: unsafe.error.path, issues: unsafe.error.issues.length > 0 },
      good: parseOutboundMessage({ type: 'text', text: 'fine', attributes: { custom: { any: 1 } } }),
    };
  });
  expect(out.button).toEqual({ code: 'invalid_message', path: 'attributes.attachment.buttons[2].link', isTypeError: false });
  expect(out.unknownKey).toMatchObject({ code: 'invalid_message' });
  expect(out.frame).toEqual({ path: 'metadata.src', issues: true });
  expect(out.good).toEqual({ type: 'text', text: 'fine', attributes: { custom: { any: 1 } } });
});

it('inbound parsing keeps unknown fields; classify and expandCommands read what the widget draws', async () => {
  const page = await openPage();
  const out = await page.evaluate(() => {
    const { parseInboundMessage, safeParseInboundMessage, classify, expandCommands, split, text, wait, html } = window.TD.messages;
    const inbound = parseInboundMessage({ text: 'hi', sender: 'bot_1', _tdActionType: 'reply', request: { request_id: 'r1' }, status: '200' });
    const htmlKind = classify(html('<p>Hi <script>alert(1)</script>&amp; bye</p>').toJSON());
    const steps = expandCommands(split(text('Hi'), wait(500), text('How can I help?')).toJSON());
    return {
      inbound,
      notAMessage: safeParseInboundMessage(42).success,
      kinds: [
        classify({ type: 'image', metadata: { src: 'https://example.com/a.png', width: 10, height: 10 } }).kind,
        classify({ type: 'file', metadata: { src: 'https://example.com/a.mp3', type: 'audio/mpeg' } }).kind,
        classify({ type: 'image' }).kind, // no src: the widget falls back to text
        classify({ type: 'video', text: 'v' }).kind,
        classify({ text: 'x', attributes: { subtype: 'info' } }).kind,
        classify(null).kind,
      ],
      html: htmlKind.kind === 'html' ? { untrusted: htmlKind.untrusted, fallbackText: htmlKind.fallbackText } : htmlKind.kind,
      steps: steps.map((s) => (s.type === 'message' ? [s.type, s.at, s.message.text] : s.type === 'typing' ? [s.type, s.at, s.duration] : [s.type])),
    };
  });
  expect(out.inbound).toEqual({ text: 'hi', sender: 'bot_1', _tdActionType: 'reply', request: { request_id: 'r1' }, status: '200' });
  expect(out.notAMessage).toBe(false);
  expect(out.kinds).toEqual(['image', 'audio', 'text', 'unsupported', 'info', 'invalid']);
  expect(out.html).toEqual({ untrusted: true, fallbackText: 'Hi & bye' });
  expect(out.steps).toEqual([
    ['message', 0, 'Hi'],
    ['typing', expect.any(Number), 500],
    ['message', 500, 'How can I help?'],
  ]);
});

it('the zod schemas (tiledesk-sdk/messages/schemas) parse, compose and refuse as parse… do', async () => {
  const page = await openPage();
  const out = await page.evaluate(() => {
    const { OutboundMessageSchema, InboundMessageSchema, safeParseWith } = window.TD.messageSchemas;
    const { safeParseOutboundMessage, text, buttons } = window.TD.messages;
    const built = text('Pick one').buttons(buttons.url('Docs', 'https://example.com/docs')).toJSON();
    const badFrame = { type: 'frame', metadata: { src: 'javascript:alert(1)' } };
    const viaSchema = safeParseWith(OutboundMessageSchema, badFrame, 'invalid outbound message');
    const viaParse = safeParseOutboundMessage(badFrame);
    return {
      built: OutboundMessageSchema.safeParse(built).success,
      inbound: InboundMessageSchema.parse({ text: 'hi', _tdActionType: 'reply' }),
      sameError: !viaSchema.success && !viaParse.success && viaSchema.error.message === viaParse.error.message,
      path: viaSchema.success ? 'accepted' : viaSchema.error.path,
    };
  });
  expect(out).toEqual({ built: true, inbound: { text: 'hi', _tdActionType: 'reply' }, sameError: true, path: 'metadata.src' });
});

it('end to end in the page: built, sent over fetch, received on the WebSocket, parsed and classified', async () => {
  const page = await openPage();
  const out = await page.evaluate(
    async ({ url, wsUrl, projectId, token }) => {
      const { TiledeskClient } = window.TD.rest;
      const { RealtimeClient, topics } = window.TD.realtime;
      const { text, image, buttons, parseInboundMessage, classify } = window.TD.messages;
      const rest = new TiledeskClient({ baseUrl: url, projectId, auth: { token } });
      const rt = new RealtimeClient({ url: wsUrl, token });
      const { request_id } = await rest.requests.create({ first_text: 'messages e2e' });
      const received: unknown[] = [];
      const sub = rt.subscribe(topics.messages(projectId, request_id), { create: (m) => received.push(m) });
      await sub.ready;
      // `.toJSON()`: a built message is an interface type without an index signature, which SendMessageParams wants.
      await rest.messages.send(request_id, text('Pick one').buttons(buttons.url('Docs', 'https://example.com/docs'), buttons.text('Yes')).toJSON());
      await rest.messages.send(request_id, image('https://example.com/logo.png', { width: 64, height: 32 }).toJSON());
      const deadline = Date.now() + 5_000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await rt.close();
      await rest.close();
      return received.map((m) => {
        const c = classify(parseInboundMessage(m));
        if (c.kind === 'text') return [c.kind, c.text, c.buttons.map((b) => [b.type, b.value])];
        if (c.kind === 'image') return [c.kind, c.src, c.width, c.height];
        return [c.kind];
      });
    },
    { url: server.url, wsUrl: server.wsUrl, projectId: server.project.id, token: server.owner.token },
  );
  expect(out).toEqual([
    ['text', 'Pick one', [['url', 'Docs'], ['text', 'Yes']]],
    ['image', 'https://example.com/logo.png', 64, 32],
  ]);
});
