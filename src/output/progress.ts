import { visible } from '../base/terminal-text.js';
import type { IO } from '../base/context.js';

/** Progress reports how far a long batch is; a no-op unless stderr is a TTY. */
export interface Progress {
  /** tick advances by n (default 1). */
  tick(n?: number): void;
  /** done clears the bar. */
  done(): void;
}

const NOOP: Progress = { tick() {}, done() {} };

/**
 * createProgress returns a progress bar on stderr for a batch of `total` items, redrawn at
 * most every 100 ms, or a no-op when stderr is not a TTY (pipes, CI logs) or the batch is small.
 */
export function createProgress(io: Pick<IO, 'stderr' | 'stderrIsTTY'>, total: number, label: string, minTotal = 200): Progress {
  if (!io.stderrIsTTY || total < minTotal) return NOOP;
  const shown = visible(label); // it may name an input file
  let n = 0;
  let last = 0;
  const width = 30;
  const draw = (): void => {
    const frac = total > 0 ? Math.min(1, n / total) : 1;
    const full = Math.round(frac * width);
    io.stderr.write(`\r${shown} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${n}/${total} ${(frac * 100).toFixed(0)}%`);
  };
  return {
    tick(k = 1) {
      n += k;
      const now = Date.now();
      if (now - last >= 100 || n >= total) {
        last = now;
        draw();
      }
    },
    done() {
      io.stderr.write('\r\u001b[2K');
    },
  };
}
