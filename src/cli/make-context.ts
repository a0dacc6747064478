import type { Context } from '../base/context.js';

/** BaseContext is what main knows before the command line is parsed. */
export type BaseContext = Omit<Context, 'global' | 'color'>;

/**
 * makeContext adds the parsed global options. Colour is off with --no-color, with NO_COLOR
 * set, or when stdout is not a TTY.
 */
export function makeContext(base: BaseContext, g: { config?: unknown; store?: unknown; color?: unknown }): Context {
  const color = g.color !== false && !base.env.NO_COLOR && base.io.stdoutIsTTY;
  return {
    ...base,
    color,
    global: {
      color,
      ...(typeof g.config === 'string' ? { config: g.config } : {}),
      ...(typeof g.store === 'string' ? { store: g.store } : {}),
    },
  };
}
