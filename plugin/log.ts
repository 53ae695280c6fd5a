// Plugin logging: one JSON line per event on stderr, which the plugin server
// forwards to Kong's error log. Never pass credentials or request bodies here.
type Fields = Record<string, unknown>;

function write(level: string, message: string, fields?: Fields): void {
  if (process.env.LLM_GATEWAY_LOG === 'silent') return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, component: 'llm-gateway', message, ...fields })}\n`);
}

export const log = {
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};

/** What a rejection says, whatever was thrown (an Error's message, anything else as text). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
