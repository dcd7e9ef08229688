// Which weight format to load on a device. Its own module, free of transformers.js, so that choosing a device (the
// workers' device.ts) does not load the library.
import type { Dtype } from '../../core/model-card';
import type { Device } from './runtime';

/**
 * The weight format to load on a device, from those a model ships: on WebGPU half precision when the
 * adapter has `shader-f16` (q4f16, then fp16), else q4 or fp32; on wasm and Node's CPU q8 first (their fastest
 * kernels), then q4, then fp32.
 */
export function pickDtype(available: readonly Dtype[], device: Device, shaderF16 = false): Dtype {
  const preference: readonly Dtype[] =
    device === 'webgpu' ? (shaderF16 ? ['q4f16', 'fp16', 'q4', 'fp32'] : ['q4', 'fp32']) : ['q8', 'q4', 'fp32'];
  const choice = preference.find((d) => available.includes(d));
  if (!choice) {
    throw new Error(
      `no weight format for ${device}${shaderF16 ? ' with shader-f16' : ''} among ${available.join(', ')}`,
    );
  }
  return choice;
}
