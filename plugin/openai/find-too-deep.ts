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
  // Every request passes: a walk that builds no paths first, the paths only for a body that fails it.
  return deeperThan(value, maxDepth) ? pathTooDeep(value, maxDepth, keep) : undefined;
}

function deeperThan(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) return true;
    if (Array.isArray(v)) {
      for (const inner of v as unknown[]) {
        values.push(inner);
        depths.push(depth + 1);
      }
    } else {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        values.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

function pathTooDeep(value: unknown, maxDepth: number, keep: number): string | undefined {
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
