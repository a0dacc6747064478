/**
 * Paint colours the parts of text output (diagnostics, nat explain); printers take one so
 * that chalk loads only when colour is on, and only here.
 */
export interface Paint {
  /** error marks the word "error" of a diagnostic. */
  error(s: string): string;
  /** warning marks the word "warning" of a diagnostic. */
  warning(s: string): string;
  /** dim marks what matters less: hints, explanations. */
  dim(s: string): string;
  /** caret marks the ^~~ under a source line. */
  caret(s: string): string;
  /** yes marks a step that matched. */
  yes(s: string): string;
  /** no marks a step that did not match. */
  no(s: string): string;
  /** verdict marks a decision. */
  verdict(s: string): string;
}

const same = (s: string): string => s;

/** PLAIN paints nothing (no colour, or not a TTY). */
export const PLAIN: Paint = { error: same, warning: same, dim: same, caret: same, yes: same, no: same, verdict: same };

/** loadPaint returns chalk's colours (chalk is loaded only here, only when asked). */
export async function loadPaint(): Promise<Paint> {
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return {
    error: (s) => c.red.bold(s),
    warning: (s) => c.yellow.bold(s),
    dim: (s) => c.dim(s),
    caret: (s) => c.green(s),
    yes: (s) => c.green(s),
    no: (s) => c.red(s),
    verdict: (s) => c.bold(s),
  };
}
