import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks in every record. Secrets should never be handed to a logger in the first
 * place; this is the net under that rule.
 */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'oldPassword',
  'newPassword',
  'confirmPassword',
  '*.secretKey',
  '*.apiKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'variables',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'ecsgraph',
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
