import type { ErrorCode, PoolctlError } from '../base/errors.js';
import { ExitCode } from '../base/exit-codes.js';

/** ErrorExit is what the CLI makes of an error code: the exit status and, optionally, the hint printed when the error carries none. */
export interface ErrorExit {
  readonly exit: ExitCode;
  readonly hint?: string;
}

/**
 * ERROR_EXITS maps every error code to its exit status (spec/cli.md "Exit codes"): 2 for a
 * command line the user must change, 3 when the datastore or the host tools could not be
 * reached or run, 1 for everything else. It is the only place that knows; the layers below
 * throw codes [calico lib/errors][npm error-message.js]. A Record, so that a new ErrorCode
 * does not compile until it is mapped here.
 */
export const ERROR_EXITS: Readonly<Record<ErrorCode, ErrorExit>> = {
  USAGE: { exit: ExitCode.USAGE },
  FILE_UNREADABLE: { exit: ExitCode.USAGE },
  CONFIG_INVALID: { exit: ExitCode.USAGE },
  DATASTORE_UNSUPPORTED: { exit: ExitCode.USAGE },
  NAT_ADDRESS_IPV6: { exit: ExitCode.USAGE },
  FLOW_INVALID: { exit: ExitCode.USAGE, hint: 'each line is "SRC DST"; # starts a comment' },
  DATASTORE_UNREACHABLE: { exit: ExitCode.UNAVAILABLE },
  HOST_TOOL_MISSING: { exit: ExitCode.UNAVAILABLE },
  HOST_NOT_ROOT: { exit: ExitCode.UNAVAILABLE },
  HOST_COMMAND_UNAVAILABLE: { exit: ExitCode.UNAVAILABLE },
  FELIX_MANAGED: {
    exit: ExitCode.UNAVAILABLE,
    hint: "see what Felix programmed with 'poolctl nat status' and 'poolctl nat explain --live'; --force applies anyway",
  },
  HOST_LOCKED: { exit: ExitCode.UNAVAILABLE },
  HOST_LOCK_UNSAFE: { exit: ExitCode.UNAVAILABLE },
  HOST_IPTABLES_MIXED: { exit: ExitCode.UNAVAILABLE },
  NOT_FOUND: { exit: ExitCode.FAILURE },
  ALREADY_EXISTS: { exit: ExitCode.FAILURE },
  CONFLICT: { exit: ExitCode.FAILURE },
  CONTENTION: { exit: ExitCode.FAILURE, hint: 'another writer is busy on the same pools; run the command again' },
  INPUT_INVALID: { exit: ExitCode.FAILURE },
  NO_RESOURCES: { exit: ExitCode.FAILURE },
  NAT_MODEL: { exit: ExitCode.FAILURE },
  HOST_COMMAND_FAILED: { exit: ExitCode.FAILURE },
  HOST_CONFLICT: { exit: ExitCode.FAILURE },
  LIVE_RULE_UNSUPPORTED: {
    exit: ExitCode.FAILURE,
    hint: "poolctl reads only the rules Felix and 'poolctl nat apply' write; 'poolctl nat status' shows what differs",
  },
};

/** exitStatusOf returns the exit status an error ends a command with. */
export function exitStatusOf(e: Pick<PoolctlError, 'code'>): ExitCode {
  return ERROR_EXITS[e.code].exit;
}

/** hintOf returns the hint printed under an error: its own, else its code's. */
export function hintOf(e: Pick<PoolctlError, 'code' | 'hint'>): string | undefined {
  return e.hint ?? ERROR_EXITS[e.code].hint;
}
