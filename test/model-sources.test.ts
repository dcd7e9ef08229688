// The model registry and download plans, against the test hub (e2e/model-hub.ts) over real HTTP: the hub's tree
// API gives sizes and SHA-256, a mirror gives sizes by HEAD and no checksum, a picked folder gives its files; each
// plan names exactly the files transformers.js reads for one weight format, chosen as the device would choose.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { Dtype } from '../src/core/model-card';
import { planFromFolder, planFromHub, planFromUrl, storeKey, type PickedFile } from '../src/engines/model-sources';
import { dtypeOfOnnxFile, MODELS, onnxFile, registryDtypes, registryModel } from '../src/engines/models';
import { pickDtype } from '../src/engines/transformers/pick-dtype';
import { chatFixtureFiles, HUB_REPO, MIRROR_PATH, ModelHub } from '../e2e/model-hub';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

const smol = registryModel('smollm2-135m-instruct')!;
const wasm = (available: readonly Dtype[]) => pickDtype(available, 'wasm');
const webgpuF16 = (available: readonly Dtype[]) => pickDtype(available, 'webgpu', true);

describe('the model registry', () => {
  it('offers the demo model and the four instruction models with sizes, licence and profile', () => {
    expect(MODELS.map((m) => m.id)).toEqual([
      'cranfield-tiny',
      'smollm2-135m-instruct',
      'smollm2-360m-instruct',
      'qwen2.5-0.5b-instruct',
      'llama-3.2-1b-instruct',
    ]);
    for (const model of MODELS) {
      expect(model.licence).not.toBe('');
      expect(registryDtypes(model).length).toBeGreaterThan(0);
      for (const bytes of Object.values(model.sizes)) expect(bytes).toBeGreaterThan(1e6);
      // Either served with the app or on the hub as owner/name.
      expect(model.builtin ? model.repo === undefined : /^[\w.-]+\/[\w.-]+$/.test(model.repo ?? '')).toBe(true);
    }
    expect(MODELS.filter((m) => m.builtin).map((m) => m.profile)).toEqual(['self-retrieval']);
    expect(MODELS.filter((m) => !m.builtin).every((m) => m.profile === 'chat' && m.sizes.q4f16)).toBe(true);
  });

  it('names weight files as transformers.js does, and reads them back', () => {
    const dtypes: Dtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];
    expect(dtypes.map(onnxFile)).toEqual([
      'onnx/model.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_quantized.onnx',
      'onnx/model_q4.onnx',
      'onnx/model_q4f16.onnx',
    ]);
    for (const d of dtypes) expect(dtypeOfOnnxFile(`my-model/${onnxFile(d)}`)).toBe(d);
    expect(dtypeOfOnnxFile('onnx/decoder_model_merged.onnx')).toBeUndefined();
    expect(dtypeOfOnnxFile('onnx/model_bnb4.onnx')).toBeUndefined();
  });

  it('makes store keys transformers.js accepts as model ids', () => {
    expect(storeKey('hub', 'qwen2.5-0.5b-instruct', 'q4f16')).toBe('hub.qwen2.5-0.5b-instruct.q4f16');
    expect(storeKey('folder', 'My Model -- v2..final', 'fp32')).toBe('folder.my-model-v2.final.fp32');
    expect(storeKey('url', '', 'q8')).toBe('url.model.q8');
  });
});

describe('download plans', () => {
  let hub: ModelHub;
  beforeAll(async () => {
    hub = await ModelHub.start();
  });
  afterAll(() => hub.close());

  it('from the hub: the weights for the device, every size, the LFS SHA-256 of the weights', async () => {
    const files = chatFixtureFiles();
    const onWasm = await planFromHub(smol, wasm, { host: hub.url });
    expect(onWasm.dtype).toBe('q8');
    expect(onWasm.key).toBe('hub.smollm2-135m-instruct.q8');
    expect(onWasm.files.map((f) => f.path)).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'generation_config.json',
      'onnx/model_quantized.onnx',
    ]);
    for (const file of onWasm.files) {
      expect(file.size).toBe(files.get(file.path)!.length);
      expect(file.url).toBe(`${hub.url}/${HUB_REPO}/resolve/main/${file.path}`);
    }
    const weights = onWasm.files.at(-1)!;
    expect(weights.sha256).toBe(createHash('sha256').update(files.get(weights.path)!).digest('hex'));
    expect(onWasm.files[0]!.sha256).toBeUndefined(); // a git blob id is no SHA-256
    // No card in the repository: the zero-shot chat profile, with the registry's name.
    expect(onWasm.card).toMatchObject({ promptProfile: 'chat', name: smol.name, dtype: 'q8' });

    expect((await planFromHub(smol, webgpuF16, { host: hub.url })).dtype).toBe('q4f16');
  });

  it('from the hub: a repository missing a required file is refused before downloading', async () => {
    const files = chatFixtureFiles();
    files.delete('tokenizer.json');
    const broken = await ModelHub.start(files);
    try {
      await expect(planFromHub(smol, wasm, { host: broken.url })).rejects.toMatchObject({
        code: 'MODEL_FILE_NOT_FOUND',
        message: expect.stringContaining('tokenizer.json') as string,
      });
    } finally {
      await broken.close();
    }
    await expect(planFromHub(smol, wasm, { host: 'http://127.0.0.1:9' })).rejects.toMatchObject({
      code: 'SOURCE_UNREACHABLE',
    });
  });

  it('from a mirror: sizes from HEAD, no checksum, the first weights the device can use', async () => {
    const plan = await planFromUrl(`${hub.url}${MIRROR_PATH}/`, smol, wasm);
    expect(plan.dtype).toBe('q8');
    expect(plan.key).toBe('url.smollm2-135m-instruct.q8');
    expect(plan.origin).toBe(`${hub.url}${MIRROR_PATH}`);
    expect(plan.files.map((f) => f.path)).toContain('onnx/model_quantized.onnx');
    expect(plan.files.every((f) => f.size! > 0 && f.sha256 === undefined)).toBe(true);

    // Without the q8 weights, the next the device prefers.
    hub.missing.add('onnx/model_quantized.onnx');
    try {
      expect((await planFromUrl(`${hub.url}${MIRROR_PATH}`, smol, wasm)).dtype).toBe('q4');
    } finally {
      hub.missing.clear();
    }
    await expect(planFromUrl(`${hub.url}/mirror/nothing-here`, smol, wasm)).rejects.toMatchObject({
      code: 'MODEL_FILE_NOT_FOUND',
    });
    await expect(planFromUrl('ftp://example.org/model', smol, wasm)).rejects.toMatchObject({
      code: 'SOURCE_UNREACHABLE',
    });
  });

  it('from a mirror: weights in external data files are planned with the model', async () => {
    const files = chatFixtureFiles();
    const config = JSON.parse(files.get('config.json')!.toString()) as Record<string, unknown>;
    config['transformers.js_config'] = { use_external_data_format: { 'model_quantized.onnx': 2 } };
    files.set('config.json', Buffer.from(JSON.stringify(config)));
    files.set('onnx/model_quantized.onnx_data', Buffer.alloc(10));
    files.set('onnx/model_quantized.onnx_data_1', Buffer.alloc(10));
    const mirror = await ModelHub.start(files);
    try {
      const plan = await planFromUrl(`${mirror.url}${MIRROR_PATH}`, smol, wasm);
      expect(plan.files.map((f) => f.path).slice(-3)).toEqual([
        'onnx/model_quantized.onnx',
        'onnx/model_quantized.onnx_data',
        'onnx/model_quantized.onnx_data_1',
      ]);
    } finally {
      await mirror.close();
    }
  });
});

describe('a picked model folder', () => {
  const folder = `${MODEL_ROOT}${DEMO_MODEL_ID}`;
  const names = ['config.json', 'generation_config.json', 'model-card.json', 'tokenizer.json', 'tokenizer_config.json'];
  const picked = (prefix: string, skip: string[] = []): PickedFile[] =>
    [...names, 'onnx/model.onnx']
      .filter((n) => !skip.includes(n))
      .map((n) => ({ path: `${prefix}${n}`, file: new Blob([readFileSync(`${folder}/${n}`)]) }));

  it('finds the model root, the weights and the card it ships', async () => {
    const plan = await planFromFolder(
      [...picked('downloads/tiny/'), { path: 'downloads/notes.txt', file: new Blob(['x']) }],
      wasm,
    );
    expect(plan.key).toBe('folder.tiny.fp32');
    expect(plan.files.map((f) => f.path)).toEqual([
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'generation_config.json',
      'model-card.json',
      'onnx/model.onnx',
    ]);
    expect(plan.files.every((f) => f.blob && f.size === f.blob.size)).toBe(true);
    expect(plan.card.promptProfile).toBe('self-retrieval');
    // Without a card, the zero-shot chat profile.
    expect((await planFromFolder(picked('tiny/', ['model-card.json']), wasm)).card.promptProfile).toBe('chat');
  });

  it('says what is missing', async () => {
    await expect(planFromFolder(picked('tiny/', ['config.json']), wasm)).rejects.toMatchObject({
      code: 'BAD_MODEL_FOLDER',
      message: expect.stringContaining('no config.json') as string,
    });
    await expect(planFromFolder(picked('tiny/', ['tokenizer.json']), wasm)).rejects.toMatchObject({
      code: 'BAD_MODEL_FOLDER',
      message: expect.stringContaining('tokenizer.json') as string,
    });
    await expect(planFromFolder(picked('tiny/', ['onnx/model.onnx']), wasm)).rejects.toMatchObject({
      code: 'NO_USABLE_WEIGHTS',
    });
  });
});
