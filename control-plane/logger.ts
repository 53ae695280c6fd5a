import pino from 'pino';

export type Logger = pino.Logger;

// Redaction is a safety net: request logging never includes headers or bodies,
// but a careless `log.info({ req })` must still not leak tokens or secret values.
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'control-plane' },
    redact: {
      paths: [
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
      ],
      censor: '[redacted]',
    },
  });
}
