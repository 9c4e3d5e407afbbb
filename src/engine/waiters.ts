/**
 * Wake-ups for long polls and synchronous executions: a waiter sleeps until
 * its key is notified or its deadline passes, whichever comes first.
 */
export function createWaiters() {
  const byKey = new Map<string, Set<() => void>>();
  return {
    /** Resolves on the next notify(key), or at `deadline` (epoch ms, by `clock`). */
    wait(key: string, deadline: number, clock: () => number): Promise<void> {
      return new Promise((resolve) => {
        let set = byKey.get(key);
        if (!set) {
          set = new Set();
          byKey.set(key, set);
        }
        const wake = () => {
          clearTimeout(timer);
          set!.delete(wake);
          if (set!.size === 0 && byKey.get(key) === set) byKey.delete(key);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, deadline - clock()));
        set.add(wake);
      });
    },
    notify(key: string): void {
      const set = byKey.get(key);
      if (!set) return;
      for (const wake of [...set]) wake();
    },
    /** Wakes everyone (shutdown). */
    notifyAll(): void {
      for (const key of [...byKey.keys()]) this.notify(key);
    },
  };
}
