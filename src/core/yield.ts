// Yielding to the event loop between decoding steps. A model backend may compute inside promise callbacks without
// ever returning to the event loop (ONNX Runtime's wasm does), so a worker would not see a "cancel" message until a
// whole search is over. A macrotask turn lets it in. MessageChannel rather than setTimeout: browsers clamp nested
// timeouts to 4 ms, which would add up over a search's steps.

let channel: MessageChannel | undefined;
const waiting: (() => void)[] = [];

/** Resolves on a later turn of the event loop, after pending messages (e.g. a cancel) have been handled. */
export function yieldToEventLoop(): Promise<void> {
  // Node: setImmediate is that turn, and it keeps the process alive while awaited (an unref'd port would not).
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel!.port2.postMessage(null);
  });
}
