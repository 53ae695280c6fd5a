import pino from 'pino';
import pretty from 'pino-pretty';

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

export type LogFormat = 'json' | 'pretty';

/** `pretty`: one short human line per event, for a person at a terminal (local mode); `json` for log pipelines. */
export function createLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'control-plane' }, redact: { paths: REDACT, censor: '[redacted]' } };
  if (format === 'pretty' && !destination) return pino(options, prettyStream());
  return destination ? pino(options, destination) : pino(options);
}

function prettyStream(): pino.DestinationStream {
  return pretty({
    colorize: process.stdout.isTTY,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,requestId,method,path,status,ms',
    singleLine: true,
    // An access line reads like one: "GET /api/v1/endpoints 201 12 ms".
    messageFormat: (log, messageKey) =>
      log.method
        ? `${log.method as string} ${log.path as string} ${log.status as number} ${Math.round(Number(log.ms))} ms`
        : ((log[messageKey] as string | undefined) ?? ''),
  });
}
