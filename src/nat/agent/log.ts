import type { Writable } from 'node:stream';

/** LogLevel orders the agent's messages: debug < info < warn < error. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** LogFormat is how a line is written: readable text (the default) or one JSON object a line. */
export type LogFormat = 'text' | 'json';

/** LogFields are the structured values of one message (numbers, strings, booleans, lists). */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined | readonly (string | number)[]>>;

/** Logger writes the agent's structured log lines. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** LoggerOptions: format, the lowest level written, and the clock (tests). */
export interface LoggerOptions {
  readonly format: LogFormat;
  readonly level: LogLevel;
  readonly now?: () => Date;
}

/** textValue writes one field value for the text format: bare when it is one plain word, else as a JSON string. */
function textValue(v: string | number | boolean | null | readonly (string | number)[]): string {
  if (Array.isArray(v)) return v.join(',');
  const s = String(v);
  return /^[\w.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

/**
 * createLogger writes to `out` (the agent's stderr): in json format one object a line
 * ({"time", "level", "msg", ...fields}), in text format "TIME LEVEL msg key=value ...", with
 * values that are not one plain word quoted as JSON strings (control characters escaped, so
 * that no value can end a line or drive a terminal). Fields left undefined are left out.
 */
export function createLogger(out: Writable, opts: LoggerOptions): Logger {
  const min = RANK[opts.level];
  const now = opts.now ?? (() => new Date());
  const write = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < min) return;
    const time = now().toISOString();
    const defined = Object.entries(fields).filter((e): e is [string, Exclude<LogFields[string], undefined>] => e[1] !== undefined);
    if (opts.format === 'json') {
      out.write(`${JSON.stringify({ time, level, msg, ...Object.fromEntries(defined) })}\n`);
      return;
    }
    const kv = defined.map(([k, v]) => ` ${k}=${textValue(v)}`).join('');
    out.write(`${time} ${level.toUpperCase().padEnd(5)} ${JSON.stringify(msg).slice(1, -1)}${kv}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
