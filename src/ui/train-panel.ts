// The Internalize panel: training the model on the user's library in the training worker (workers/train.worker.ts)
// — an estimate of the time first, then progress (step, tokens per second, loss, time left, last checkpoint), pause,
// resume and cancel — and what the internalized model holds of the library now ("internalized: 1,234 of 1,400
// passages"). A thin view: the worker trains, checkpoints and stores; the page only asks and shows.
import * as Comlink from 'comlink';
import type {
  InternalizedModel,
  ModelRef,
  TrainEstimate,
  TrainView,
  TrainWorkerApi,
} from '../../workers/train-protocol';
import type { DeviceRequest } from '../../workers/protocol';
import { reportActivity } from './activity';
import { element, formatDuration } from './dom';
import { describeError, errorLine } from './error-help';

export interface TrainPanelOptions {
  readonly api: TrainWorkerApi;
  /** The model the library is searched with now (the base, or its internalized model). */
  readonly current: () => ModelRef;
  readonly device: () => DeviceRequest;
  /** A newly internalized model is ready (the page loads it); not called for the one there at start. */
  readonly onModel: (model: InternalizedModel) => void;
}

const DEVICE: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WebAssembly', cpu: 'the CPU' };
const count = (n: number) => n.toLocaleString('en');

export interface TrainPanel {
  /** The library changed: the worker recounts what the model holds of it. */
  libraryChanged(): void;
  /** The training worker was restarted: open it again (an interrupted run resumes). */
  reopen(): void;
  /** The last view heard. */
  readonly view: TrainView | null;
}

export function mountTrainPanel(options: TrainPanelOptions): TrainPanel {
  const { api } = options;
  const box = element<HTMLDivElement>('internalize');
  const state = element<HTMLParagraphElement>('internalize-state');
  const held = element<HTMLParagraphElement>('internalize-model');
  const bar = element<HTMLProgressElement>('internalize-bar');
  const estimateButton = element<HTMLButtonElement>('internalize-estimate');
  const startButton = element<HTMLButtonElement>('internalize-start');
  const pauseButton = element<HTMLButtonElement>('internalize-pause');
  const cancelButton = element<HTMLButtonElement>('internalize-cancel');
  let last: TrainView | null = null;
  let estimate: TrainEstimate | null = null;

  const say = (text: string, code?: string) => {
    state.textContent = text;
    if (code) state.dataset['code'] = code;
    else delete state.dataset['code'];
  };
  const fail = (error: unknown) => {
    const info = describeError(error);
    say(errorLine(info), info.code);
  };

  /** The model training starts from: the internalized model's base when that model is what searches now. */
  function base(): ModelRef {
    const current = options.current();
    const model = last?.model;
    return model && current.kind === 'stored' && current.key === model.key ? model.base : current;
  }

  function render(view: TrainView): void {
    const previous = last;
    last = view;
    box.dataset['phase'] = view.phase;
    const p = view.progress;
    bar.hidden = !p || view.phase === 'idle';
    if (p) {
      bar.max = Math.max(p.totalTokens, 1);
      bar.value = Math.min(p.tokens, p.totalTokens);
      box.dataset['step'] = String(p.step);
      box.dataset['tokensPerSecond'] = String(Math.round(p.tokensPerSecond));
      box.dataset['peakMemoryBytes'] = String(p.peakMemoryBytes);
      box.dataset['checkpointStep'] = String(p.checkpointStep ?? '');
      box.dataset['resumedFrom'] = String(p.resumedFromStep ?? '');
    }
    const running = view.phase === 'running';
    pauseButton.hidden = !running;
    cancelButton.hidden = !(running || view.phase === 'paused' || view.phase === 'interrupted');
    startButton.hidden = view.phase !== 'paused' && !(view.phase === 'idle' && estimate !== null);
    startButton.textContent = view.phase === 'paused' ? 'Resume' : 'Start';
    estimateButton.hidden = view.phase !== 'idle';
    if (running && p) {
      const where = p.resumedFromStep !== null ? `, resumed from step ${count(p.resumedFromStep)}` : '';
      say(
        `Internalizing on ${DEVICE[p.device] ?? p.device}: step ${count(p.step)} of about ${count(p.totalSteps)} ` +
          `(epoch ${p.epoch + 1} of ${p.epochs}), ${count(Math.round(p.tokensPerSecond))} tokens/s` +
          (p.loss !== null ? `, loss ${p.loss.toFixed(2)}` : '') +
          `, about ${formatDuration(p.etaMs)} left` +
          (p.checkpointStep !== null ? `. Saved at step ${count(p.checkpointStep)}${where}.` : `${where}.`),
      );
    } else if (running) say('Internalizing: reading the library and the model…');
    else if (view.phase === 'paused') {
      say(
        view.error
          ? `Internalizing stopped: ${view.error.message} Resume to try again from the last checkpoint, or cancel.`
          : `Paused${p ? ` at step ${count(p.step)} of about ${count(p.totalSteps)}` : ''}: resume goes on from there.`,
        view.error?.code,
      );
    } else if (view.phase === 'interrupted') say('Resuming the interrupted run from its last checkpoint…');
    else if (view.phase === 'elsewhere') {
      say('Another tab is internalizing this library (or this page, before its reload, is letting go of the run).');
    } else if (!estimate) say('');
    reportActivity(
      'training',
      running || view.phase === 'interrupted'
        ? {
            text: p
              ? `Internalizing: step ${count(p.step)} of about ${count(p.totalSteps)}, about ${formatDuration(p.etaMs)} left`
              : 'Internalizing: starting…',
            view: 'library',
            ...(p ? { progress: { value: Math.min(p.tokens, p.totalTokens), max: p.totalTokens } } : {}),
          }
        : view.phase === 'paused'
          ? { text: 'Internalizing paused: resume it in the Library view', view: 'library', state: 'warning' }
          : null,
    );

    const model = view.model;
    box.dataset['modelKey'] = model?.key ?? '';
    if (!model) held.textContent = 'Not internalized yet: the model searching knows none of these passages.';
    else {
      const c = view.coverage;
      held.textContent =
        (c
          ? `Internalized: ${count(c.trained)} of ${count(c.total)} passages` +
            (c.removed ? ` (${count(c.removed)} since removed are still in the model until it trains again)` : '')
          : `Internalized: ${count(model.passages)} passages`) +
        `, trained ${new Date(model.trainedAt).toLocaleString()}.`;
    }
    if (model && previous && previous.model?.key !== model.key) {
      estimate = null;
      say(`Done: ${model.name}. Search uses it as soon as it is loaded.`);
      options.onModel(model);
    }
  }

  estimateButton.addEventListener('click', () => {
    estimateButton.disabled = true;
    say('Timing a training step on this device…');
    api
      .estimate({ base: base(), device: options.device() })
      .then((e) => {
        estimate = e;
        box.dataset['estimateSeconds'] = String(Math.round(e.seconds));
        say(
          `About ${formatDuration(e.seconds * 1000)} on ${DEVICE[e.device] ?? e.device}: ${count(e.steps)} steps over ` +
            `${count(e.tokens)} tokens, from ${count(e.passages)} passages` +
            (e.onTop ? ' (on top of the internalized model: new passages learned, the rest replayed)' : '') +
            '. Search keeps working meanwhile.',
        );
        if (last) render(last);
      }, fail)
      .finally(() => (estimateButton.disabled = false));
  });
  startButton.addEventListener('click', () => {
    startButton.disabled = true;
    api
      .start({ base: base(), device: options.device() })
      .then(render, fail)
      .finally(() => (startButton.disabled = false));
  });
  pauseButton.addEventListener('click', () => void api.pause().then(render, fail));
  cancelButton.addEventListener('click', () => {
    estimate = null;
    void api.cancel().then(render, fail);
  });

  const open = () => void api.open(Comlink.proxy((view: TrainView) => render(view))).then(render, fail);
  open();
  return {
    libraryChanged: () => void api.refresh().then(render, () => undefined),
    reopen: open,
    get view() {
      return last;
    },
  };
}
