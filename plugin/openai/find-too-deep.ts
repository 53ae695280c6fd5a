// JSON.parse takes any nesting, but everything after it that walks a value
// recursively (JSON.stringify of the provider body, the trace, schema
// validation) overflows the stack on a value nested ~10,000 levels deep: a
// 500 from one hostile field. Request bodies are checked once, without
// recursion, against a bound no real request comes near (tool JSON schemas
// are the deepest thing clients send, a few dozen levels at most).

export const MAX_JSON_DEPTH = 128;

/**
 * The path (`messages[0].extra`) of the first value nested deeper than
 * `maxDepth`, shortened to its first `keep` steps; undefined when the whole
 * value is within bounds. Iterative: safe on any depth.
 */
export function findTooDeep(value: unknown, maxDepth = MAX_JSON_DEPTH, keep = 3): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string[] }> = [{ value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) return formatPath(path.slice(0, keep));
    // Only the first steps are ever reported, so deeper paths are not built.
    const child = (step: string) => (path.length < keep ? [...path, step] : path);
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: depth + 1, path: child(`[${i}]`) });
    else for (const [k, inner] of Object.entries(v)) stack.push({ value: inner, depth: depth + 1, path: child(k) });
  }
  return undefined;
}

function formatPath(steps: string[]): string {
  return steps.reduce((acc, s) => (s.startsWith('[') ? `${acc}${s}` : acc ? `${acc}.${s}` : s), '');
}
