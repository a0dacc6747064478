/**
 * ExitCode is the only place exit statuses are defined (spec/cli.md "Exit codes"). The CLI
 * maps error codes to them (cli/exit-status.ts) and commands return them as their verdict;
 * the library layers below never see them. Only cli/main.ts turns them into process.exitCode.
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
   * nat agent: a FelixConfiguration setting it programs with changed, and it exited to be
   * restarted with the new value, as Felix v3.31.7 does (felix/daemon/daemon.go configChangedRC,
   * "the same as the code used by SIGHUP"): a supervisor restarts on it
   */
  CONFIG_CHANGED: 129,
  /**
   * stdout or stderr was closed by its reader (`poolctl get | head -1`): 128 + SIGPIPE, the
   * status a shell shows for a process a broken pipe killed (calicoctl, a Go program, dies so)
   */
  CLOSED_PIPE: 141,
} as const;

/** ExitCode is one of the ExitCode values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** verdictExit is the exit status of a command whose outcome is reported: OK, or FAILURE when something failed. */
export function verdictExit(ok: boolean): ExitCode {
  return ok ? ExitCode.OK : ExitCode.FAILURE;
}
