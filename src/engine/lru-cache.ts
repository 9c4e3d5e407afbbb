/**
 * A bounded map that forgets its least recently used entry first. A Map keeps
 * insertion order, so touching an entry is a delete and a set.
 */
export function createLruCache<K, V>(capacity: number) {
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
    set(key: K, value: V): void {
      entries.delete(key);
      if (capacity === 0) return;
      entries.set(key, value);
      if (entries.size > capacity) entries.delete(entries.keys().next().value as K);
    },
    delete: (key: K): void => void entries.delete(key),
    /** Keys from least to most recently used. */
    keys: (): K[] => [...entries.keys()],
    /** The least recently used key. */
    oldest: (): K | undefined => entries.keys().next().value,
    size: () => entries.size,
  };
}
