/** A long-running command started by {@link LineProcesses}. */
export interface LineProcess {
  /** Ends the command (SIGTERM); no callback runs afterwards. */
  stop(): void;
}

/**
 * Long-running commands whose output is read line by line (`dbus-monitor --system …`): argv
 * only, no shell. Implemented by adapters/spawn-line-processes.
 */
export interface LineProcesses {
  /**
   * Starts argv. Every line of its standard output (cut at a bounded length) goes to `onLine`;
   * `onExit` runs once when it ends, or could not start, with why.
   */
  start(argv: readonly string[], onLine: (line: string) => void, onExit: (problem: string) => void): LineProcess;
}
