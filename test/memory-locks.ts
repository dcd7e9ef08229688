// Node has no Web Locks: a minimal in-memory LockManager stands in for the workers' `navigator.locks` in tests.

/** Web Locks' exclusive requests, with `ifAvailable`, in one process. */
export function memoryLocks(): Pick<LockManager, 'request'> {
  const held = new Map<string, Promise<unknown>>();
  const request = async (
    name: string,
    optionsOrCallback: LockOptions | LockGrantedCallback<unknown>,
    maybeCallback?: LockGrantedCallback<unknown>,
  ): Promise<unknown> => {
    const options: LockOptions = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback;
    const callback = (typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback)!;
    if (options.ifAvailable && held.has(name)) return callback(null);
    while (held.has(name)) await held.get(name)!.catch(() => undefined);
    const run = Promise.resolve().then(() => callback({ name, mode: 'exclusive' }));
    held.set(name, run);
    try {
      return await run;
    } finally {
      if (held.get(name) === run) held.delete(name);
    }
  };
  return { request: request };
}
