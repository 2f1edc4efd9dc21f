/** What reading a configuration file gave: its text, or a one-line problem (`ENOENT`, `not a regular file`, …). */
export type ConfigFileRead = { ok: true; text: string } | { ok: false; problem: string };

/**
 * Reads configuration files, synchronously (the configuration is needed before anything runs).
 * Implemented by adapters/node-config-files: a regular file of at most `maxBytes`, never
 * blocking (a FIFO) nor reading without end (a device).
 */
export interface ConfigFiles {
  readText(path: string, maxBytes: number): ConfigFileRead;
}
