/**
 * `record[key]` for a key that came from outside (a request, a file, a vendor row): only the
 * record's own entries count, so `constructor`, `toString` or `__proto__` find nothing
 * instead of Object.prototype's members.
 */
export function own<T>(record: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return record != null && Object.hasOwn(record, key) ? record[key] : undefined;
}
