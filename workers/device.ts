// The device a worker runs a model on (WebGPU when an adapter and a device can be had, else wasm, with the reason)
// and the weight format that device loads. Shared by the app's model worker and the widget's worker.
import { CodedError } from '../src/core/errors';
import type { PickDtype } from '../src/engines/model-sources';
import { pickDtype } from '../src/engines/transformers/pick-dtype';
import type { Device } from '../src/engines/transformers/runtime';

/** `auto` picks WebGPU when an adapter and device can be had, else wasm — and says why. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

/** WebGPU was asked for and cannot be had; the same code the model worker always gave. */
class DeviceError extends CodedError<'WEBGPU_UNAVAILABLE'> {}

/** The slice of the WebGPU API this worker touches (TypeScript's lib has no WebGPU types yet). */
export interface GpuDeviceLike {
  readonly lost: Promise<{ readonly reason: string; readonly message: string }>;
  destroy(): void;
}
interface GpuLike {
  requestAdapter(): Promise<{
    readonly info?: { readonly vendor: string; readonly architecture: string };
    readonly features?: { has(feature: string): boolean };
    requestDevice(): Promise<GpuDeviceLike>;
  } | null>;
}

export interface DeviceChoice {
  readonly device: Device;
  readonly reason: string;
  readonly shaderF16: boolean;
}

/** WebGPU when an adapter and a device can be had, else wasm — with the reason, which the page shows. */
export async function chooseDevice(request: DeviceRequest): Promise<DeviceChoice> {
  if (request === 'wasm') return { device: 'wasm', reason: 'WebAssembly chosen by the user', shaderF16: false };
  // Through unknown: where a dependency declares the WebGPU types globally, they would otherwise win over ours.
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  let unavailable: string;
  if (!gpu) {
    unavailable = 'WebGPU unavailable: this browser exposes no WebGPU API (navigator.gpu)';
  } else {
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) {
      unavailable = 'WebGPU unavailable: no GPU adapter was offered (GPU disabled or blocklisted)';
    } else {
      const device = await adapter.requestDevice().catch((error: unknown) => error as Error);
      if ('lost' in device) {
        device.destroy();
        const info = adapter.info;
        // Half-precision weights need shader-f16 (load.ts, pickDtype).
        const shaderF16 = adapter.features?.has('shader-f16') ?? false;
        return {
          device: 'webgpu',
          reason: `WebGPU adapter: ${info ? `${info.vendor} ${info.architecture}`.trim() || 'unnamed' : 'unknown'}${shaderF16 ? ', shader-f16' : ''}`,
          shaderF16,
        };
      }
      unavailable = `WebGPU unavailable: the GPU adapter refused a device (${device.message})`;
    }
  }
  if (request === 'webgpu') throw new DeviceError('WEBGPU_UNAVAILABLE', unavailable);
  return { device: 'wasm', reason: unavailable, shaderF16: false };
}

export function dtypePicker(choice: DeviceChoice): PickDtype {
  return (available) => pickDtype(available, choice.device, choice.shaderF16);
}
