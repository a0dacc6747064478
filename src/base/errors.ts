/** SourceSpan locates a problem in an input file (1-based line and column). */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine?: number;
  readonly endCol?: number;
}

/**
 * ErrorCode names every failure that can end a command (manifest problems are Diagnostics
 * with their own DiagnosticCode, core/diagnostic.ts). The union is closed: cli/exit-status.ts
 * maps each code to its exit status in a Record, so a new code cannot go unmapped
 * [calico lib/errors][npm error-message.js][yaml ErrorCode].
 */
export type ErrorCode =
  /** a bad command line: unknown flag, bad value, missing argument */
  | 'USAGE'
  /** a file named on the command line (nat explain --flows) could not be read */
  | 'FILE_UNREADABLE'
  /** the datastore configuration (flags, environment, config file) is invalid */
  | 'CONFIG_INVALID'
  /** the configuration names a datastore type poolctl does not support */
  | 'DATASTORE_UNSUPPORTED'
  /** the datastore could not be reached or read */
  | 'DATASTORE_UNREACHABLE'
  /** the resource does not exist (libcalico-go ErrorResourceDoesNotExist) */
  | 'NOT_FOUND'
  /** the resource already exists (libcalico-go ErrorResourceAlreadyExists) */
  | 'ALREADY_EXISTS'
  /** the resource changed since it was read (libcalico-go ErrorResourceUpdateConflict) */
  | 'CONFLICT'
  /** a write lost the race against other writers too many times in a row */
  | 'CONTENTION'
  /** the -f inputs of a NAT command hold errors */
  | 'INPUT_INVALID'
  /** the -f inputs of a NAT command hold no IPPool */
  | 'NO_RESOURCES'
  /** the pools and settings give no NAT model (core's NatModelError) */
  | 'NAT_MODEL'
  /** --nat-outgoing-address was given for IPv6, where Felix always masquerades */
  | 'NAT_ADDRESS_IPV6'
  /** a line of a flow list is not "SRC DST" */
  | 'FLOW_INVALID'
  /** a system tool (iptables, ipset, nft, ip) is not installed */
  | 'HOST_TOOL_MISSING'
  /** the host refused for want of privileges */
  | 'HOST_NOT_ROOT'
  /** a system tool could not be started, or did not finish in time */
  | 'HOST_COMMAND_UNAVAILABLE'
  /** a system tool ran and failed, or its output could not be read */
  | 'HOST_COMMAND_FAILED'
  /** the kernel holds state nat apply must not overwrite by itself */
  | 'HOST_CONFLICT'
  /** another nat apply or status in the network namespace held the host lock past the wait */
  | 'HOST_LOCKED'
  /** the host lock's directory may be written by others than root */
  | 'HOST_LOCK_UNSAFE'
  /** both iptables flavours (legacy and nft) hold cali- chains */
  | 'HOST_IPTABLES_MIXED'
  /** the kernel's ruleset holds rules nat explain --live cannot read */
  | 'LIVE_RULE_UNSUPPORTED'
  /** Felix manages this host's NAT: nat apply refuses to fight it (without --force) */
  | 'FELIX_MANAGED';

/** ErrorOptions are PoolctlError's optional parts. */
export interface ErrorOptions {
  readonly source?: SourceSpan;
  readonly path?: string;
  readonly hint?: string;
  /** reported: the failure is already reported on the streams; the CLI only maps its code to the exit status. */
  readonly reported?: boolean;
}

/**
 * PoolctlError is an expected failure that ends a command: a stable code, a message, and
 * optionally where in the input it happened, a JSON pointer and a hint. It knows nothing of
 * exit statuses: cli/exit-status.ts maps the code, and cli/report-error.ts prints it without
 * a stack trace.
 */
export class PoolctlError extends Error {
  readonly code: ErrorCode;
  readonly source?: SourceSpan;
  readonly path?: string;
  readonly hint?: string;
  readonly reported?: boolean;

  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(message);
    this.name = 'PoolctlError';
    this.code = code;
    if (opts.source) this.source = opts.source;
    if (opts.path !== undefined) this.path = opts.path;
    if (opts.hint !== undefined) this.hint = opts.hint;
    if (opts.reported) this.reported = true;
  }
}

/** usageError is a PoolctlError with code USAGE (a bad command line). */
export function usageError(message: string, hint?: string): PoolctlError {
  return new PoolctlError('USAGE', message, hint ? { hint } : {});
}
