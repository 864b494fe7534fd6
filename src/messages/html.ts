const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[\da-f]+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? entity;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
  });
}

/**
 * Readable plain text for an `html` message: scripts, styles and `<head>` dropped, block ends turned into line
 * breaks, tags removed, entities decoded. The result is text, not markup: put it in the page with
 * `textContent` (or your framework's text binding), never `innerHTML` — decoded `&lt;script&gt;` is `<script>` again.
 *
 * @example
 * ```ts
 * htmlToText('<p><b>Hi</b> there</p><p>A &amp; B</p>'); // "Hi there\nA & B"
 * ```
 */
export function htmlToText(markup: string): string {
  const stripped = markup
    .replace(/<(script|style|head|template|noscript)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    // Source line breaks are just spaces in HTML; only <br> and block ends start a new line.
    .replace(/\s+/g, ' ')
    .replace(/<br\b[^>]*>|<\/(?:p|div|li|h[1-6]|tr|blockquote|pre|section|article|header|footer|ul|ol|table)\s*>/gi, '\n')
    .replace(/<\/(?:td|th|button)\s*>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(stripped)
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}
