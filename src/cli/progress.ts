import type { ImportFailure, ImportProgressEvent, ImportReport } from '../import/types.js';
import { counted, formatCount, formatDuration, nounFor, printable, truncate, visibleLength, type OutputStream, type Style } from './io.js';

const BAR_WIDTH = 24;

/**
 * Import progress. On a TTY one line is redrawn in place (bar, counts, rate, ETA, retries); elsewhere (a log file,
 * CI) a plain line is appended at most every `intervalMs`, plus the final one, so logs stay short and readable.
 */
export class ProgressView {
  private lastPrint = -Infinity;
  private drawn = false;
  private last: ImportProgressEvent | undefined;

  constructor(
    private readonly out: OutputStream,
    private readonly style: Style,
    private readonly options: { tty: boolean; intervalMs?: number; now?: () => number },
  ) {}

  /** `stopped`: the final event of a run cut short (Ctrl-C, refused credentials…), which must not read "imported". */
  update(event: ImportProgressEvent, options: { stopped?: boolean } = {}): void {
    this.last = event;
    const stopped = event.final && options.stopped === true;
    if (this.options.tty) {
      const width = Math.max(40, (this.out.columns ?? 100) - 1);
      // On a narrow terminal (80 columns) the full line lost its end (the ETA, retries, failures) to the cut: a
      // shorter bar and shorter words first, then no bar, and only then the cut.
      const line = [0, 1, 2, 3].map((compact) => this.line(event, stopped, compact)).find((l) => visibleLength(l) <= width);
      this.out.write(`\r\x1b[2K${truncate(line ?? this.line(event, stopped, 3), width)}`);
      this.drawn = true;
      if (event.final) this.finish();
      return;
    }
    const now = (this.options.now ?? Date.now)();
    if (!event.final && now - this.lastPrint < (this.options.intervalMs ?? 2000)) return;
    this.lastPrint = now;
    this.out.write(`${this.plainLine(event, stopped)}\n`);
  }

  /** Ends the redrawn line (on interruption too) so what follows starts on its own line. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  get lastEvent(): ImportProgressEvent | undefined {
    return this.last;
  }

  /**
   * `compact`: 0 in full; 1 a shorter bar and words (`conv.`, `msgs`); 2 without the message count (the percentage
   * counts messages) and the rate; 3 without the bar either.
   */
  private line(e: ImportProgressEvent, stopped = false, compact = 0): string {
    const s = this.style;
    const fraction = progressFraction(e, stopped);
    const barWidth = compact === 0 ? BAR_WIDTH : compact < 3 ? 10 : 0;
    const filled = fraction === undefined ? 0 : Math.round(fraction * barWidth);
    const bar =
      barWidth === 0
        ? ''
        : `${fraction === undefined ? s.dim('·'.repeat(barWidth)) : s.green('█'.repeat(filled)) + s.dim('░'.repeat(barWidth - filled))} `;
    const percent = fraction === undefined ? '' : `${String(Math.floor(fraction * 100)).padStart(3)}% `;
    const parts = [compact ? `${doneOf(e.conversations.done, e.conversations.total)} conv.` : doneOf(e.conversations.done, e.conversations.total, 'conversation')];
    if (compact < 2) parts.push(doneOf(e.messages.done, e.messages.total, compact ? 'msg' : 'message'), rate(e));
    if (!e.final && e.etaMs !== undefined) parts.push(`ETA ${formatDuration(e.etaMs)}`);
    if (e.final) parts.push(`in ${formatDuration(e.elapsedMs)}`);
    parts.push(e.retries > 0 ? s.yellow(counted(e.retries, 'retry', 'retries')) : s.dim('0 retries'));
    const failed = e.conversations.failed > 0 ? ` ${s.red(`${formatCount(e.conversations.failed)} failed`)}` : '';
    const label = stopped ? s.yellow(s.bold('Stopped')) : s.bold(e.final && e.messages.importedThisRun === 0 ? 'Done' : 'Importing');
    return `${label} ${bar}${percent}${parts.join(s.dim(' · '))}${failed}`;
  }

  private plainLine(e: ImportProgressEvent, stopped = false): string {
    const fraction = progressFraction(e, stopped);
    // The percentage leads, as on a TTY: it counts messages, so next to the conversation count it misread ("0/36 (2%)").
    const parts = [
      ...(fraction === undefined ? [] : [`${Math.floor(fraction * 100)}%`]),
      doneOf(e.conversations.done, e.conversations.total, 'conversation'),
      doneOf(e.messages.done, e.messages.total, 'message'),
      rate(e),
    ];
    if (!e.final && e.etaMs !== undefined) parts.push(`ETA ${formatDuration(e.etaMs)}`);
    parts.push(counted(e.retries, 'retry', 'retries'));
    if (e.conversations.failed > 0) parts.push(`${formatCount(e.conversations.failed)} failed`);
    // `done`, not `imported`, once something failed (the counts include failed messages) or when this run imported
    // nothing (all already there, or done in an earlier run).
    const label = !e.final ? 'progress' : stopped ? 'stopped' : e.conversations.failed > 0 || e.messages.importedThisRun === 0 ? 'done' : 'imported';
    return `${label}: ${parts.join(', ')}`;
  }
}

/**
 * Messages imported (sent and saved) per second this run: not those found already there, which made a run that
 * imported nothing read "282 msg/s". The last line of such a run says so instead of "0 msg/s".
 */
function rate(e: ImportProgressEvent): string {
  return e.final && e.messages.importedThisRun === 0 ? 'none imported' : `${formatCount(e.importedPerSecond)} msg/s`;
}

/**
 * `17/36 conversations`, `0/1 conversation`, `1 conversation` (no total known): the noun, when given, agrees with the
 * number next to it, the total when there is one.
 */
function doneOf(done: number, total: number | undefined, noun?: string): string {
  const count = total === undefined ? formatCount(done) : `${formatCount(done)}/${formatCount(total)}`;
  return noun === undefined ? count : `${count} ${nounFor(total ?? done, noun)}`;
}

/** Messages are the better measure of work; conversations when the message total is unknown. */
function progressFraction(e: ImportProgressEvent, stopped = false): number | undefined {
  if (e.messages.total) return Math.min(1, e.messages.done / e.messages.total);
  if (e.conversations.total) return Math.min(1, e.conversations.done / e.conversations.total);
  // With no total, the end of the source is 100%; a run stopped before it has no percentage.
  if (e.final && !stopped) return 1;
  return undefined;
}

/**
 * The final report: what was imported, skipped as already present, and what failed with why; `stopped` for a run cut
 * short; `failedEarlier`: how many of the conversations skipped thanks to the checkpoint had failed in an earlier run.
 */
export function formatReport(report: ImportReport, style: Style, options: { maxFailures?: number; stopped?: boolean; failedEarlier?: number } = {}): string {
  const s = style;
  const c = report.conversations;
  const m = report.messages;
  const failedEarlier = options.failedEarlier ?? 0;
  const lines: string[] = [];
  const status = options.stopped
    ? s.yellow(s.bold('Import stopped'))
    : c.failed + failedEarlier > 0
      ? s.red(s.bold('Import finished with failures'))
      : s.green(s.bold('Import finished'));
  // The rate of what this run sent, as on the progress line: `report.messagesPerSecond` counts skipped messages too.
  const rate = m.imported > 0 && report.durationMs > 0 ? `${counted((m.imported * 1000) / report.durationMs, 'message')}/s` : m.imported > 0 ? `${formatCount(m.imported)} imported` : 'none imported';
  lines.push(`${status} in ${formatDuration(report.durationMs)} (${rate})`);
  // Read but not settled when the run stopped (in flight, or waiting for a slot): the progress line counts only the
  // settled ones ("28/36 conversations"), so without this the two numbers disagreed with no reason given.
  const unfinished = c.total - c.created - c.continued - c.alreadyComplete - c.resumed - c.failed;
  lines.push(
    `  Conversations  ${formatCount(c.total)}: ${s.green(`${formatCount(c.created)} created`)}, ${formatCount(c.continued)} continued, ` +
      `${formatCount(c.alreadyComplete)} already complete, ${formatCount(c.resumed)} done in an earlier run (checkpoint` +
      `${failedEarlier > 0 ? `, ${s.red(`${formatCount(failedEarlier)} of them failed`)}` : ''}), ` +
      `${c.failed > 0 ? s.red(`${formatCount(c.failed)} failed`) : '0 failed'}` +
      (unfinished > 0 ? `, ${s.yellow(`${formatCount(unfinished)} left unfinished`)}` : ''),
  );
  // Their messages not saved yet (those sent without an answer among them): the counts added up to less than the total.
  const messagesUnfinished = m.total - m.imported - m.skipped - m.resumed - m.failed;
  lines.push(
    `  Messages       ${formatCount(m.total)}: ${s.green(`${formatCount(m.imported)} imported`)}, ` +
      `${formatCount(m.skipped)} skipped (already present), ${formatCount(m.resumed)} done in an earlier run, ` +
      `${m.failed > 0 ? s.red(`${formatCount(m.failed)} failed`) : '0 failed'}` +
      (unfinished > 0 && messagesUnfinished > 0 ? `, ${s.yellow(`${formatCount(messagesUnfinished)} in conversations left unfinished`)}` : ''),
  );
  // Not in "imported": after Ctrl-C (calls cut short) or a failure the server could not be asked about.
  if (m.uncertain > 0) lines.push(`  ${s.yellow(`${formatCount(m.uncertain)} sent without an answer`)}: saved or not, running again settles them (never twice)`);
  lines.push(
    `  Retries ${formatCount(report.retries)} · read-backs ${formatCount(report.reconciliations)}` +
      (report.duplicatesFound > 0 ? ` · ${s.yellow(`${counted(report.duplicatesFound, 'duplicate')} found on the server`)}` : ''),
  );
  if (report.failures.length > 0) {
    const max = options.maxFailures ?? 20;
    lines.push(s.red('Failed conversations:'));
    // Failure messages may quote the server (or the file): shown on one line, control characters visible.
    for (const failure of report.failures.slice(0, max)) lines.push(`  ${printable(formatFailure(failure))}`);
    const more = report.failures.length - Math.min(max, report.failures.length) + report.failuresOmitted;
    if (more > 0) lines.push(s.dim(`  … and ${formatCount(more)} more`));
  }
  return lines.join('\n');
}

/** One failed conversation, for people: conversations and messages counted from 1 (the report's fields count from 0). */
export function formatFailure(f: ImportFailure): string {
  const where = f.index !== undefined ? ` message ${f.index + 1}${f.field ? ` (${f.field})` : ''}` : '';
  const id = f.requestId === undefined ? '' : ` (${f.requestId})`;
  const status = f.status !== undefined ? ` ${f.status}` : '';
  return `conversation ${f.position + 1}${id}${where}: ${f.code}${status} — ${f.message} [${formatCount(f.messagesImported)} saved, ${formatCount(f.messagesMissing)} missing${f.messagesUncertain ? `, ${formatCount(f.messagesUncertain)} of them maybe saved` : ''}]`;
}
