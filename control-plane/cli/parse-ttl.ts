// Durations as the token CLI and the JWT lifetime settings write them: 3600, 90s, 30m, 12h, 7d.
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw);
  if (!m) throw new Error(`--ttl '${raw}' must look like 3600, 90s, 30m, 12h or 7d`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}
