// The page's handle on a worker (the model worker, the training worker) that survives the worker: when it dies (out
// of memory, GPU device lost, killed) the calls in flight reject with WORKER_DIED, a new worker starts at once and
// listeners hear why, so the page can say so and carry on (load the model again, resume training) without a reload.
// Death is seen through a Web Lock the worker holds for its whole life: the page's request for the same lock is
// granted only when the worker is gone, however it went.
import * as Comlink from 'comlink';
import { CodedError } from '../core/errors';

export class WorkerDiedError extends CodedError<'WORKER_DIED'> {}

type Listener = (reason: string) => void;

/** What a worker served this way offers: holding its life lock, and saying why it must end. */
export interface LockHolder {
  hold(lockName: string, onFatal: (reason: string) => void): Promise<void>;
}

export class WorkerClient<Api extends LockHolder> {
  /** The worker's API; calls go to whichever worker is current. */
  readonly api: Api;
  private worker!: Worker;
  private remote!: Comlink.Remote<Api>;
  private readonly pending = new Set<(error: Error) => void>();
  private readonly listeners = new Set<Listener>();
  private fatal: string | undefined;
  private generation = 0;
  private deaths = 0;

  /** `label` names the worker in messages ("the model worker"). */
  constructor(
    private readonly create: () => Worker,
    private readonly label: string,
  ) {
    this.start();
    this.api = new Proxy({} as Api, {
      // Not a thenable: `then` stays undefined so the API object can be passed through promises.
      get: (_, name: string) =>
        name === 'then' ? undefined : (...args: unknown[]) => this.call(name as keyof Api, args),
    });
  }

  /** `listener(reason)` after each restart. */
  onRestart(listener: Listener): void {
    this.listeners.add(listener);
  }

  /** How many times the worker died and was restarted. */
  get restarts(): number {
    return this.deaths;
  }

  private start(): void {
    const generation = this.generation;
    const current = () => this.generation === generation;
    const lockName = `self-retrieval-worker-${crypto.randomUUID()}`;
    this.fatal = undefined;
    this.worker = this.create();
    this.remote = Comlink.wrap<Api>(this.worker);
    void (this.remote as unknown as Comlink.Remote<LockHolder>)
      .hold(
        lockName,
        Comlink.proxy((reason: string) => void (this.fatal = reason)),
      )
      .then(() =>
        navigator.locks.request(lockName, () => {
          if (current()) this.died();
        }),
      );
  }

  /** Replaces the worker with a fresh one, as the page asks (a model failed to load and may have left ONNX Runtime
   * unusable). Calls in flight reject with WORKER_DIED; restart listeners are not called. */
  restart(reason: string): void {
    this.replace(reason);
  }

  private died(): void {
    const reason = this.fatal ?? 'it stopped unexpectedly (out of memory, or the browser ended it)';
    this.deaths++;
    this.replace(reason);
    for (const listener of this.listeners) listener(reason);
  }

  private replace(reason: string): void {
    this.generation++; // first, so the old worker's lock, released by terminate(), is not taken for a death
    this.worker.terminate();
    this.remote[Comlink.releaseProxy]();
    const label = this.label.charAt(0).toUpperCase() + this.label.slice(1);
    const error = new WorkerDiedError('WORKER_DIED', `${label} stopped: ${reason}.`);
    for (const reject of this.pending) reject(error);
    this.pending.clear();
    this.start();
  }

  private call(name: keyof Api, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      const method = this.remote[name] as unknown as (...a: unknown[]) => Promise<unknown>;
      method(...args)
        .then(resolve, reject)
        .finally(() => this.pending.delete(reject));
    });
  }
}
