import { describe, expect, it } from 'vitest';
import { classify, htmlToText } from '../../src/messages/index.js';
import { seedExamples } from './fixtures/seed-examples.js';

describe('htmlToText: the plain-text fallback for html messages', () => {
  it('refuses markup that is not a string with an InvalidMessageError naming it (a number threw `text.slice is not a function`)', () => {
    for (const markup of [undefined, null, 42, {}, ['<p>a</p>'], Symbol('s')]) {
      expect(() => htmlToText(markup as never)).toThrow(expect.objectContaining({ name: 'InvalidMessageError', path: 'markup', message: 'invalid message: markup: must be a string' }));
    }
  });

  it('turns the seed HTML example into its readable lines, without styles or tags', () => {
    expect(htmlToText(seedExamples.html.text).split('\n')).toEqual([
      'This is an HTML message type example',
      'Place any html tag to be loaded here...',
      'Button example below 👇🏻',
      'Button 1 Button 2 Button 3',
      'Image example below 👇🏻',
    ]);
  });

  it('drops scripts, styles, templates and comments with their content', () => {
    expect(htmlToText('a<script>alert(1)</script><style>p{}</style><!-- secret --><template><b>t</b></template>b')).toBe('ab');
  });

  it('breaks lines at <br> and block ends, and separates table cells', () => {
    expect(htmlToText('<p>one</p><p>two<br>three</p><table><tr><td>a</td><td>b</td></tr></table>')).toBe('one\ntwo\nthree\na b');
  });

  it('decodes entities once (the result is text, so decoded markup must not be rendered as HTML)', () => {
    expect(htmlToText('A &amp; B &lt;script&gt; &#233;&#x1F600; &amp;lt; &nbsp;x &bogus;')).toBe('A & B <script> é😀 &lt; x &bogus;');
  });

  it('decodes accented letters and the names chat text uses, and keeps unknown names', () => {
    expect(htmlToText('Perch&eacute; &Egrave; &ndash; 5&euro; &hellip; &ldquo;s&igrave;&rdquo; &ntilde;&Ccedil;&ouml;&aring; &szlig; &AMP;'))
      .toBe('Perché È – 5€ … “sì” ñÇöå ß &');
    // Unknown names, letters with no composed form, and Object.prototype names stay as written.
    expect(htmlToText('&Eacutex; &qacute; &constructor; &toString;')).toBe('&Eacutex; &qacute; &constructor; &toString;');
    // Only a whole name counts: parts of known ones (`l`, `mp`, `dash`, `quo`), a name with its character, and two names.
    expect(htmlToText('&l; &mp; &dash; &quo; &bsp; &amp&; &ltgt; &nbspszlig;')).toBe('&l; &mp; &dash; &quo; &bsp; &amp&; &ltgt; &nbspszlig;');
    // Names are found whatever their case (&AMP;, &Lt;), as before.
    expect(htmlToText('&Lt;&QUOT;&NbSp;x')).toBe('<" x');
    // Accent names are case-sensitive, as in browsers (HTML has no &EACUTE;).
    expect(htmlToText('&EACUTE; &eGRAVE;')).toBe('&EACUTE; &eGRAVE;');
  });

  it('keeps the text of attributes-laden and unclosed tags out', () => {
    expect(htmlToText('<img src=x onerror="alert(1)"><a href="javascript:x">link</a>')).toBe('link');
    // A quoted attribute value may hold `>`: the tag ends at the `>` after it.
    expect(htmlToText('<a title="b>c" data-x=\'>\'>hi</a>')).toBe('hi');
  });

  it('keeps a `<` that starts no tag as text (it used to swallow everything up to the next `>`)', () => {
    expect(htmlToText('<p>if a < b and c > d</p>')).toBe('if a < b and c > d');
    expect(htmlToText('x <3 y</p><p>next')).toBe('x <3 y\nnext');
    expect(htmlToText('<p>1 <= 2, <!-- note --> ok <?php ?></p>')).toBe('1 <= 2, ok');
  });
});

// Any visitor can send an html message, and classify() runs htmlToText on every one. Each pass used to rescan the rest
// of the text from every unclosed `<script`, `<!--`, `<br` or `<` (80 KB of "<br" took 14 s). These inputs are
// 100–200 KB; the test timeout is the failure mode (a test that ran past it fails even when it ends by itself).
describe('htmlToText on hostile markup: linear in its length', () => {
  const KB = 1024;
  const fill = (unit: string, bytes = 150 * KB) => unit.repeat(Math.ceil(bytes / unit.length));

  it.each([
    ['<script', fill('<script')],
    ['<style + </script', fill('<style') + fill('</script')],
    ['<!--', fill('<!--')],
    ['<br', fill('<br')],
    ['</p', fill('</p')],
    ['<a', fill('<a')],
    ['<!', fill('<!')],
    ['<?', fill('<?')],
    ['<a "', fill('<a "')],
    ["<a '<a \"", fill('<a \'<a "')],
  ])('unclosed %s, repeated to 150 KB or more, stays text', { timeout: 5000 }, (_what, markup) => {
    // Nothing in them is a whole tag (no `>` outside quotes, or an unclosed quote), so all of it is text, as before.
    expect(htmlToText(markup)).toBe(markup);
  });

  it('an unclosed tag whose quoted values hold whole tags: those tags go, the rest stays text', { timeout: 5000 }, () => {
    const n = Math.ceil((150 * KB) / 10);
    expect(htmlToText('<a x="<b>"'.repeat(n))).toBe('<a x=""'.repeat(n));
  });

  it('a well-formed message followed by 200 KB of unclosed tags keeps its lines and the rest as text', { timeout: 5000 }, () => {
    const tail = fill('<br', 100 * KB) + fill('<script', 100 * KB);
    expect(htmlToText(`<p>Hello <b>there</b></p><script>x</script>${tail}`)).toBe(`Hello there\n${tail}`);
    expect(htmlToText(`<p>Hi</p><!-- note -->${fill('<!--', 200 * KB)}`)).toBe(`Hi\n${fill('<!--', 200 * KB)}`);
    // Closed tags among them are still removed.
    expect(htmlToText(`${fill('<b ', 100 * KB)}<br>x<i>y</i>`)).toBe(`${fill('<b ', 100 * KB).trimEnd()}\nxy`);
  });

  it('classify() of a 150 KB hostile html message finishes, with the markup as its fallback text', { timeout: 5000 }, () => {
    const markup = fill('<br');
    const result = classify({ type: 'html', text: markup, sender: 'visitor', recipient: 'r' });
    expect(result.kind).toBe('html');
    if (result.kind === 'html') expect(result.fallbackText).toBe(markup);
  });
});
