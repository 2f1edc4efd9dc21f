import pino from 'pino';
import { REDACT_PATHS, type Logger } from '../core/logger';
import { useColor } from '../core/terminal';
import { formatLogChunk } from './log-line';

/**
 * Logs go to stderr (stdout carries results): one JSON object a line, or, when stderr is a
 * terminal, one readable line per event (log-line.ts), coloured unless NO_COLOR says otherwise.
 */
export function createLogger(level: string, pid: number = process.pid, env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stderr.isTTY === true): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = pino.destination({ dest: 2, sync: true });
  if (!isTTY) return pino(options, destination);
  const color = useColor(true, env);
  // pino writes each entry as one JSON line; the terminal gets it as one formatted line.
  return pino(options, { write: (chunk: string) => destination.write(formatLogChunk(chunk, color)) });
}
