/**
 * Which conversations are settled, in constant space: a watermark below which everything is settled, plus the
 * positions settled out of order just above it. The importer never starts a conversation more than `maxWindow`
 * positions past the watermark, so the set stays bounded and so does the checkpoint.
 */
export class SettledWindow {
  #watermark: number;
  readonly #above = new Set<number>();

  constructor(watermark: number, settled: readonly number[]) {
    this.#watermark = watermark;
    for (const position of settled) this.#above.add(position);
    this.#advance();
  }

  get watermark(): number {
    return this.#watermark;
  }

  isSettled(position: number): boolean {
    return position < this.#watermark || this.#above.has(position);
  }

  settle(position: number): void {
    if (position < this.#watermark) return;
    this.#above.add(position);
    this.#advance();
  }

  /** Settled positions at or above the watermark, ascending. */
  settledAbove(): number[] {
    return [...this.#above].sort((a, b) => a - b);
  }

  #advance(): void {
    while (this.#above.delete(this.#watermark)) this.#watermark++;
  }
}
