// The model worker: owns the model and everything that tokenizes or runs it, so the page thread never blocks.
// Exposed to the page with Comlink; see workers/protocol.ts for the API.
import * as Comlink from 'comlink';
import { parseModelCard, retrievalPrompt, type ModelCard } from '../src/core/model-card';
import {
  argmax,
  configureOffline,
  encode,
  forwardLast,
  greedyContinuation,
  loadCausalLM,
  type CausalLM,
  type Device,
} from '../src/engines/transformers/runtime';
import { cranfieldPassages, cranfieldQueries } from '../src/ingest/cranfield';
import type { DeviceRequest, LibrarySummary, LoadRequest, ModelStatus, ModelWorkerApi, TitleGuess } from './protocol';

const BASE = import.meta.env.BASE_URL;
const MODEL_ROOT = `${BASE}models/`;
configureOffline({ modelRoot: MODEL_ROOT, ortRoot: `${BASE}ort/` });

/** The slice of the WebGPU API this worker touches (TypeScript's lib has no WebGPU types yet). */
interface GpuLike {
  requestAdapter(): Promise<{ readonly info?: { readonly vendor: string; readonly architecture: string } } | null>;
}

async function chooseDevice(request: DeviceRequest): Promise<{ device: Device; reason: string }> {
  if (request === 'wasm') return { device: 'wasm', reason: 'wasm chosen by the user' };
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  let unavailable: string;
  if (!gpu) {
    unavailable = 'WebGPU unavailable: this browser exposes no WebGPU API (navigator.gpu)';
  } else {
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (adapter) {
      const info = adapter.info;
      return {
        device: 'webgpu',
        reason: `WebGPU adapter: ${info ? `${info.vendor} ${info.architecture}` : 'unknown'}`,
      };
    }
    unavailable = 'WebGPU unavailable: no GPU adapter was offered';
  }
  if (request === 'webgpu') throw Object.assign(new Error(unavailable), { code: 'WEBGPU_UNAVAILABLE' });
  return { device: 'wasm', reason: unavailable };
}

let loaded: { lm: CausalLM; card: ModelCard } | undefined;

const api: ModelWorkerApi = {
  async load({ modelId, device: requested }: LoadRequest): Promise<ModelStatus> {
    const { device, reason } = await chooseDevice(requested);
    const started = performance.now();
    const response = await fetch(`${MODEL_ROOT}${modelId}/model-card.json`);
    if (!response.ok) throw new Error(`model card of "${modelId}" not found (HTTP ${response.status})`);
    const card = parseModelCard(await response.json());
    const lm = await loadCausalLM(modelId, device, card.dtype);
    const loadMillis = performance.now() - started;
    const warmStarted = performance.now();
    const warm = await forwardLast(lm, encode(lm, retrievalPrompt(card, '')));
    loaded = { lm, card };
    return {
      modelId,
      modelName: card.name,
      parameters: card.parameters,
      device: lm.device,
      deviceReason: reason,
      cacheLocation: warm.cacheLocation,
      loadMillis,
      warmupArgmax: argmax(warm.logits),
      warmupMillis: performance.now() - warmStarted,
      answers: card.capabilities.answers,
    };
  },

  async describeDemoLibrary(): Promise<LibrarySummary> {
    const [docs, queries] = await Promise.all(
      ['cran.all.1400', 'cran.qry'].map(async (name) => (await fetch(`${BASE}demo/cranfield/${name}`)).text()),
    );
    return {
      name: 'Cranfield (aeronautics abstracts)',
      passages: cranfieldPassages(docs ?? '').length,
      exampleQueries: cranfieldQueries(queries ?? '')
        .slice(0, 4)
        .map((q) => q.text),
    };
  },

  async guessTitle(query: string): Promise<TitleGuess> {
    if (!loaded) throw Object.assign(new Error('no model is loaded'), { code: 'MODEL_NOT_LOADED' });
    const started = performance.now();
    const { lm, card } = loaded;
    const text = await greedyContinuation(lm, encode(lm, retrievalPrompt(card, query)), 48, (t) => t.includes('\n'));
    return { title: text.split('\n')[0]?.trim() ?? '', millis: performance.now() - started };
  },
};

Comlink.expose(api);
