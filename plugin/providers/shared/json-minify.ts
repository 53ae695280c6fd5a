// Removes insignificant whitespace from JSON text that arrives in pieces.
// Streamed tool arguments come as the model's raw JSON text ("{\"city\": \"Paris\"}")
// while a non-streamed response carries the parsed object, which we send as
// JSON.stringify(input) ("{\"city\":\"Paris\"}"). Minifying the pieces on
// the fly keeps streaming incremental and makes the reassembled string equal
// to the non-streamed one.

export interface JsonMinifier {
  /** The piece with whitespace outside strings removed. */
  push(piece: string): string;
  /** Everything emitted so far. */
  text(): string;
}

export function createJsonMinifier(): JsonMinifier {
  let inString = false;
  let escaped = false;
  let all = '';
  return {
    push(piece: string): string {
      let out = '';
      for (const ch of piece) {
        if (inString) {
          out += ch;
          if (escaped) escaped = false;
          else if (ch === '\\') escaped = true;
          else if (ch === '"') inString = false;
        } else if (ch === '"') {
          inString = true;
          out += ch;
        } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
          out += ch;
        }
      }
      all += out;
      return out;
    },
    text: () => all,
  };
}
