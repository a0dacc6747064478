/**
 * ExitCode is the only place exit statuses are defined (spec/cli.md "Exit codes").
 * Only cli/main.ts turns them into process.exitCode.
 */
export const ExitCode = {
  /** success (validate: no errors; warnings allowed) */
  OK: 0,
  /** invalid manifests, a failed resource operation (including partial success), drift */
  FAILURE: 1,
  /** unknown command or flag, bad argument, unsupported datastore type */
  USAGE: 2,
  /** the datastore or the host tools could not be reached or run */
  UNAVAILABLE: 3,
  /**
   * stdout or stderr was closed by its reader (`poolctl get | head -1`): 128 + SIGPIPE, the
   * status a shell shows for a process a broken pipe killed (calicoctl, a Go program, dies so)
   */
  CLOSED_PIPE: 141,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
