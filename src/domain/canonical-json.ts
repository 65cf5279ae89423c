/**
 * JSON with object keys sorted at every level: the same value always gives the same text,
 * so it can be hashed (draft ids) or compared (store copy). Keys are ordered by UTF-16
 * code units, as Array.prototype.sort does; `undefined` values are left out as JSON does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  )
}
