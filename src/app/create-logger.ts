import pino from 'pino';
import { REDACT_PATHS, type Logger } from '../core/logger';

/** Logs go to stderr (stdout carries results): JSON, or pretty when stderr is a terminal. */
export function createLogger(level: string, pid: number = process.pid): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (process.stderr.isTTY) {
    // Loaded only for a terminal: machine runs (services, CI, scripts) never pay for it.
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    return pino(options, pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
