import { ExitCode } from './exit-codes.js';

/** SourceSpan locates a problem in an input file (1-based line and column). */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine?: number;
  readonly endCol?: number;
}

/** CliErrorCode names CLI-level failures; manifest and datastore codes come from their layers. */
export type CliErrorCode =
  | 'USAGE'
  | 'ADDR_INVALID'
  | 'FILE_UNREADABLE'
  | 'CONFIG_INVALID'
  | 'DATASTORE_UNSUPPORTED'
  | 'DATASTORE_UNREACHABLE'
  | 'HOST_TOOL_MISSING'
  | 'HOST_NOT_ROOT'
  | 'HOST_COMMAND_FAILED'
  | 'INPUT_INVALID'
  | (string & {});

/**
 * CliError is an expected failure that ends a command: a stable code, the exit status,
 * and optionally where in the input it happened, a JSON pointer and a hint. It is reported
 * by cli/report-error.ts without a stack trace.
 */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: ExitCode;
  readonly source?: SourceSpan;
  readonly path?: string;
  readonly hint?: string;

  constructor(
    code: CliErrorCode,
    message: string,
    opts: { exitCode?: ExitCode; source?: SourceSpan; path?: string; hint?: string } = {},
  ) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = opts.exitCode ?? ExitCode.FAILURE;
    if (opts.source) this.source = opts.source;
    if (opts.path !== undefined) this.path = opts.path;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

/** usageError is a CliError with exit status 2. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError('USAGE', message, { exitCode: ExitCode.USAGE, ...(hint ? { hint } : {}) });
}
