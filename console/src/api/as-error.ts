/** A rejection as an Error, whatever was thrown (pages show its message). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
