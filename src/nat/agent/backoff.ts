/**
 * Backoff gives the waits between retries: initialMs, doubling up to maxMs, each with up to
 * 20% random jitter (so that many nodes do not retry in step); reset() after a success.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 200,
    private readonly maxMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** next returns the wait before the next retry and moves on. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  /** reset starts again from initialMs. */
  reset(): void {
    this.attempt = 0;
  }
}
