import { classify, type ClassifiedMessage } from '../messages/classify.js';
import { expandCommands } from '../messages/commands.js';
import type { InboundButton } from '../messages/inbound.js';
import { printable as p, type Style } from './io.js';

/**
 * What the widget would show for a message, as terminal lines (the first one is the bubble, the others follow it):
 * text with its buttons, images and files as links, galleries card by card, split messages part by part. Anyone who
 * can open the widget writes these strings, so every one goes through `printable` (shortened `p` here): no line
 * break, escape sequence or other control character of theirs reaches the terminal.
 */
export function renderMessage(message: unknown, style: Style): string[] {
  return renderClassified(classify(message), style);
}

/** Message text on one line: line breaks shown as ⏎, ends trimmed. */
function oneLine(text: string): string {
  return p(text).trim();
}

function renderButtons(buttons: readonly InboundButton[], style: Style): string {
  if (buttons.length === 0) return '';
  const labels = buttons.map((b) => {
    const label = p(b.value ?? '');
    if (b.type === 'url') return style.blue(`[${label} ↗ ${p(b.link ?? '')}]`);
    if (b.type === 'action') return style.magenta(`[${label} ⚡]`);
    return style.cyan(`[${label}]`);
  });
  return ` ${labels.join(' ')}`;
}

function size(width: unknown, height: unknown): string {
  return width !== undefined && width !== null && height !== undefined && height !== null ? ` ${p(String(width))}×${p(String(height))}` : '';
}

function renderClassified(c: ClassifiedMessage, style: Style): string[] {
  switch (c.kind) {
    case 'text':
      return [`${oneLine(c.text)}${renderButtons(c.buttons, style)}`];
    case 'image':
      return [`${style.yellow('🖼 image')}${size(c.width, c.height)} ${style.dim(p(c.src))}${c.text ? ` ${oneLine(c.text)}` : ''}${renderButtons(c.buttons, style)}`];
    case 'file':
      return [`${style.yellow('📄 file')} ${p(c.name ?? '')} ${style.dim(`(${p(c.mimeType)}) ${p(c.src)}`)}${renderButtons(c.buttons, style)}`];
    case 'audio':
      return [`${style.yellow('🔊 audio')} ${style.dim(p(c.src))}${renderButtons(c.buttons, style)}`];
    case 'tts':
      return [`${style.yellow('🔊 speech')} ${oneLine(c.text)} ${style.dim(p(c.src))}`];
    case 'frame':
      return [`${style.yellow('▣ frame')}${size(c.width, c.height)} ${style.dim(p(c.src))}${c.text ? ` ${oneLine(c.text)}` : ''}${renderButtons(c.buttons, style)}`];
    case 'html':
      // Untrusted markup: only its text is shown.
      return [`${style.yellow('html')} ${oneLine(c.fallbackText)}${renderButtons(c.buttons, style)}`];
    case 'gallery': {
      const lines = [`${style.yellow(`▤ gallery of ${c.cards.length}`)}${c.text ? ` ${oneLine(c.text)}` : ''}`];
      for (const card of c.cards) {
        const title = card.title ? style.bold(p(card.title)) : '(untitled)';
        const description = card.description ? ` — ${oneLine(card.description)}` : '';
        lines.push(`  ▸ ${title}${description}${renderButtons((card.buttons ?? []) as InboundButton[], style)}`);
      }
      return lines;
    }
    case 'redirect':
      return [`${style.yellow('↪ redirect')} ${style.dim(p(c.link))}`];
    case 'url_preview':
      return [`${style.yellow('🔗')} ${oneLine(c.text)}`];
    case 'info':
      return [style.dim(`(${oneLine(c.text)})`)];
    case 'private':
      return [style.dim('(private note)')];
    case 'split': {
      const lines: string[] = [];
      for (const step of expandCommands(c.message)) {
        if (step.type === 'typing') lines.push(style.dim(`  … typing ${(step.duration / 1000).toFixed(1)}s`));
        else if (step.type === 'message') {
          const [first = '', ...rest] = renderClassified(classify(step.message), style);
          lines.push(`  ↳ ${first}`, ...rest.map((l) => `    ${l}`));
        } else lines.push(style.red(`  ✖ ${p(step.detail)}`));
      }
      const [first = '', ...rest] = lines;
      return [first.replace(/^ {2}/, ''), ...rest];
    }
    case 'unsupported':
      return [`${style.yellow(p(c.type))} ${oneLine(c.text)}${renderButtons(c.buttons, style)}`];
    case 'invalid':
      return [`${style.red('(unreadable message)')} ${oneLine(c.text)}`];
  }
}
