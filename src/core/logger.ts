import type { Logger as PinoLogger } from 'pino';

/** The logger every module receives; created once in app/ (pino). */
export type Logger = PinoLogger;

/**
 * Paths pino replaces with "[redacted]". Secrets should never reach a log call in the first
 * place; this is the second line of defence.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'user_pwd',
  '*.user_pwd',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'env',
  '*.env',
];
