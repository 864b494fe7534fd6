import { describe, expect, it } from 'vitest';
import { createStyle, padEnd, printable, terminalLine, truncate, visibleLength } from '../../src/cli/io.js';
import { renderMessage } from '../../src/cli/render-message.js';
import { classify } from '../../src/messages/index.js';

// Visitors choose their names and write the messages; bots and imports fill titles, labels and links. None of it may
// reach the terminal as a control character: ESC starts CSI/OSC sequences (clear the screen, move the cursor, set the
// window title, write the clipboard with OSC 52, make OSC 8 hyperlinks), CR/BS rewrite the line, 0x9B is CSI on 8-bit
// terminals, and a raw line break would let a message forge a line of its own.
const EVIL = 'x\x1b]0;title\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]8;;https://evil.example\x07y\rz\x08\x7f\x9b31m\x90q\x00\x1b\\';
const SHOWN = 'x␛]0;title␇␛]52;c;cHduZWQ=␇␛[2J␛]8;;https://evil.example␇y␍z␈␡\\x9b31m\\x90q␀␛\\';
/** Every C0 control, DEL and C1 control. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const base = { sender: 'visitor', recipient: 'support-group-1', timestamp: 1 };
const button = (value: string, extra: Record<string, unknown> = {}) => ({ type: 'text', value, ...extra });
const buttons = [button(EVIL), { type: 'url', value: EVIL, link: `https://example.com/${EVIL}` }, { type: 'action', value: EVIL, action: 'a' }];

const cases: [string, Record<string, unknown>][] = [
  ['text', { ...base, type: 'text', text: `a ${EVIL} b`, attributes: { attachment: { type: 'template', buttons } } }],
  ['image', { ...base, type: 'image', text: EVIL, metadata: { src: `https://example.com/${EVIL}.png`, width: 1, height: 1 } }],
  ['file', { ...base, type: 'file', text: EVIL, metadata: { src: `https://example.com/${EVIL}`, name: EVIL, type: `application/${EVIL}` } }],
  ['audio', { ...base, type: 'file', text: '', metadata: { src: `https://example.com/${EVIL}.mp3`, type: 'audio/mpeg' } }],
  ['frame', { ...base, type: 'frame', text: EVIL, metadata: { src: `https://example.com/${EVIL}`, width: 1, height: 1 } }],
  ['html', { ...base, type: 'html', text: `<p>${EVIL}</p>` }],
  ['gallery', { ...base, type: 'gallery', text: EVIL, attributes: { attachment: { type: 'template', gallery: [{ title: EVIL, description: EVIL, buttons }] } } }],
  ['redirect', { ...base, type: 'redirect', text: '', metadata: { src: `https://example.com/${EVIL}` } }],
  ['info', { ...base, type: 'text', text: EVIL, attributes: { subtype: 'info' } }],
  ['unsupported', { ...base, type: `video${EVIL}`, text: EVIL }],
  [
    'split',
    { ...base, type: 'text', text: 'x', attributes: { commands: [{ type: 'message', message: { type: 'text', text: EVIL } }, { type: EVIL }] } },
  ],
];

describe('renderMessage: what the server wrote is shown, never obeyed by the terminal', () => {
  it.each(cases)('%s: no control character in any line, the hostile text visible instead', (kind, message) => {
    expect(classify(message).kind).toBe(kind);
    const lines = renderMessage(message, createStyle(false));
    for (const line of lines) expect(line).not.toMatch(CONTROL);
    expect(lines.join('\n')).toContain('␛]52;c;cHduZWQ=␇');
  });

  it('with colours on, the only escape sequences are its own colour codes', () => {
    for (const [, message] of cases) {
      for (const line of renderMessage(message, createStyle(true))) {
        expect(line.replace(/\x1b\[(?:1|2|22|3[1-6]|39)m/g, '')).not.toMatch(CONTROL);
      }
    }
  });

  it('shows each control character as a visible symbol, and a line break as ⏎ (as before)', () => {
    expect(renderMessage({ ...base, type: 'text', text: EVIL }, createStyle(false))).toEqual([SHOWN]);
    const [line] = renderMessage({ ...base, type: 'text', text: 'one\n\n  two\r\nthree', attributes: { attachment: { type: 'template', buttons: [button('A\nB')] } } }, createStyle(false));
    expect(line).toBe('one ⏎ two ⏎ three [A ⏎ B]');
  });

  it('a 150 KB run of spaces in a message is rendered whole (the line-break pattern used to be quadratic on it)', { timeout: 5000 }, () => {
    const spaces = ' '.repeat(150 * 1024);
    expect(renderMessage({ ...base, type: 'text', text: `a${spaces}b` }, createStyle(false))).toEqual([`a${spaces}b`]);
    expect(renderMessage({ ...base, type: 'text', text: `a${spaces}\n${spaces}b` }, createStyle(false))).toEqual(['a ⏎ b']);
  });
});

describe('printable and terminalLine', () => {
  it('printable shows every C0, DEL and C1 control; other text, emoji and wide characters stay as they are', () => {
    const all = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
    expect(printable(all)).not.toMatch(CONTROL);
    expect(printable('Zoë 👋 日本 ok')).toBe('Zoë 👋 日本 ok');
  });

  it('a tab is a space, a run of whitespace with a line break one ⏎', () => {
    expect(printable('a\tb')).toBe('a b');
    expect(printable('a \r\n\t b')).toBe('a ⏎ b');
  });

  it('a private note is shown as such, without its text (the widget drops it)', () => {
    const lines = renderMessage({ ...base, type: 'text', text: 'internal: refund approved', attributes: { subtype: 'private' } }, createStyle(false));
    expect(lines).toEqual(['(private note)']);
  });

  it('bidi overrides, embeddings and isolates are shown, not obeyed (a terminal with bidi would reorder the rest of the line); RTL text stays', () => {
    // "\u202Enimda: ok" draws as "ko :admin" where the terminal applies bidi: a visitor posing as the admin.
    const bidi = 'a\u202Animda\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069b';
    const shown = 'a\\u202animda\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069b';
    expect(printable(bidi)).toBe(shown);
    expect(terminalLine(bidi)).toBe(shown);
    expect(renderMessage({ ...base, type: 'text', text: bidi }, createStyle(false))).toEqual([shown]);
    expect(printable('مرحبا שלום')).toBe('مرحبا שלום');
  });

  it('widths are terminal columns: wide characters count two, combining marks none; a cut never overflows', () => {
    expect(visibleLength('日本 ok')).toBe(7);
    expect(visibleLength('e\u0301')).toBe(1);
    expect(truncate('日本語', 4)).toBe('日… ');
    expect(visibleLength(truncate('日本語です', 5))).toBe(5);
    expect(padEnd('日本', 6)).toBe('日本  ');
  });

  it('terminalLine keeps the colour codes of createStyle and shows every other escape', () => {
    const style = createStyle(true);
    const line = `${style.bold('name')} ${style.red('!')} \x1b[8mhidden\x1b[0m \x1b]0;t\x07`;
    expect(terminalLine(line)).toBe(`${style.bold('name')} ${style.red('!')} ␛[8mhidden␛[0m ␛]0;t␇`);
    expect(terminalLine(terminalLine(line))).toBe(terminalLine(line));
  });
});
