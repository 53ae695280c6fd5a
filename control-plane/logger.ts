import pino from 'pino';

export type Logger = pino.Logger;

// Redaction is a safety net: request logging never includes headers or bodies,
// but a careless `log.info({ req })` must still not leak tokens or secret values.
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'value',
  '*.value',
  'credentials',
  '*.credentials',
  'apiKey',
  '*.apiKey',
  'secretAccessKey',
  '*.secretAccessKey',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'control-plane' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
