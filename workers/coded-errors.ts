// Errors keep their `code` across the worker boundary. Comlink sends a thrown Error as {message, name, stack} and
// the page rebuilds it with Object.assign, so adding `code` to what is sent is enough: the page branches on codes
// (src/core/errors.ts), people read the message. Imported for its effect by every worker entry point.
import * as Comlink from 'comlink';

interface SerializedThrow {
  readonly isError: boolean;
  readonly value: Record<string, unknown>;
}

const base = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<unknown, unknown>;

Comlink.transferHandlers.set('throw', {
  canHandle: (value) => base.canHandle(value),
  deserialize: (serialized) => base.deserialize(serialized),
  serialize(thrown: { value: unknown }) {
    const [serialized, transfers] = base.serialize(thrown) as [SerializedThrow, Transferable[]];
    const code = (thrown.value as { code?: unknown } | null)?.code;
    if (serialized.isError && typeof code === 'string') serialized.value['code'] = code;
    return [serialized, transfers];
  },
} as Comlink.TransferHandler<unknown, unknown>);
