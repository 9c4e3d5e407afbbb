/**
 * A bounded map that forgets its least recently used entry first, telling
 * `onEvict` which one. A Map keeps insertion order, so touching an entry is a
 * delete and a set.
 */
export function createLruCache<K, V>(capacity: number, onEvict?: (key: K, value: V) => void) {
  if (!(capacity >= 0)) throw new RangeError(`cache capacity must be a number >= 0, got ${capacity}`);
  const entries = new Map<K, V>();
  return {
    get(key: K): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    /** The entry without counting it as used. */
    peek: (key: K): V | undefined => entries.get(key),
    set(key: K, value: V): void {
      entries.delete(key);
      entries.set(key, value);
      for (const [oldest, evicted] of entries) {
        if (entries.size <= capacity) break;
        entries.delete(oldest);
        onEvict?.(oldest, evicted);
      }
    },
    delete: (key: K): void => void entries.delete(key),
    /** Keys from least to most recently used. */
    keys: (): K[] => [...entries.keys()],
    /** Values from least to most recently used. */
    values: () => entries.values(),
    size: () => entries.size,
  };
}
