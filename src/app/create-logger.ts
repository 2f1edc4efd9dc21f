import pino from 'pino';
import { REDACT_PATHS, type Logger } from '../core/logger';

/** Logs go to stderr (stdout carries results): JSON, or pretty when stderr is a terminal. */
export function createLogger(level: string, pid: number = process.pid, env: NodeJS.ProcessEnv = process.env): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (process.stderr.isTTY) {
    // Loaded only for a terminal: machine runs (services, CI, scripts) never pay for it.
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    // https://no-color.org: a NO_COLOR that is set and not empty turns colours off.
    const colorize = !env.NO_COLOR;
    return pino(options, pretty({ destination: 2, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
