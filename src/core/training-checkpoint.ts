// A training run's checkpoint as one binary file: what run it belongs to, how far it got, the weights and the
// optimizer's moments. The training worker writes one to OPFS every few steps and at pause, the CLI to its output
// folder; a reload or a killed worker resumes from the last one, on the same batch of the same epoch. A header with
// a SHA-256 of the arrays makes a torn or foreign file an error, never weights half old and half new.
//
// Layout: "SRTC", u32 format, u32 header length, the header (JSON, UTF-8), zero padding to 4 bytes, then every
// array's float32 values back to back (little-endian), their lengths listed in the header.
import { contentHash } from './content-hash';
import { CodedError } from './errors';

/** CHECKPOINT_CORRUPT: not a checkpoint, cut short, or its arrays do not match their hash. */
export class CheckpointError extends CodedError<'CHECKPOINT_CORRUPT'> {}

/** Which run a checkpoint continues: a resume needs all of it to match, or it starts afresh. */
export interface TrainingRun {
  /** The model trained from: its id and the SHA-256 of its weights file. */
  readonly baseModel: string;
  readonly baseSha256: string;
  /** The passages trained on: how many and a fingerprint of their ids and text. */
  readonly passages: number;
  readonly corpusSha256: string;
  /** Everything that decides the examples and batches (recipe options, epochs, batch size). */
  readonly plan: Readonly<Record<string, number>>;
}

export interface TrainingProgress {
  readonly epoch: number;
  /** Batches of `epoch` already trained on. */
  readonly batch: number;
  /** Optimizer steps taken in all. */
  readonly step: number;
  /** Tokens trained on (prompt, target and padding), and of those, target tokens. */
  readonly tokens: number;
  readonly targetTokens: number;
  /** Seconds spent training, summed over every session of the run. */
  readonly seconds: number;
  /** Mean loss per target token over the last steps, per task. */
  readonly losses: Readonly<Record<string, number>>;
}

export interface TrainingCheckpoint {
  readonly run: TrainingRun;
  readonly progress: TrainingProgress;
  /** The parameters' values, in llamaParameters order, then the optimizer's first and second moments. */
  readonly weights: readonly Float32Array[];
  readonly first: readonly Float32Array[];
  readonly second: readonly Float32Array[];
}

const MAGIC = 0x43545253; // "SRTC" little-endian
const FORMAT = 1;

interface Header {
  readonly run: TrainingRun;
  readonly progress: TrainingProgress;
  /** Element counts of the weights (the moments have the same). */
  readonly lengths: readonly number[];
  readonly sha256: string;
}

/** Every engine we run on is little-endian; the element loops below are only the fallback for one that is not. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function payloadOf(c: TrainingCheckpoint): Uint8Array {
  const arrays = [...c.weights, ...c.first, ...c.second];
  const bytes = new Uint8Array(arrays.reduce((n, a) => n + a.length * 4, 0));
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const a of arrays) {
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    else for (let i = 0; i < a.length; i++) view.setFloat32(at + i * 4, a[i]!, true);
    at += a.length * 4;
  }
  return bytes;
}

export async function encodeCheckpoint(c: TrainingCheckpoint): Promise<Uint8Array> {
  if (c.first.length !== c.weights.length || c.second.length !== c.weights.length) {
    throw new RangeError('a checkpoint needs both moments of every weight');
  }
  const payload = payloadOf(c);
  const header: Header = {
    run: c.run,
    progress: c.progress,
    lengths: c.weights.map((w) => w.length),
    sha256: await contentHash(payload),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((12 + json.length) / 4) * 4;
  const out = new Uint8Array(start + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, start);
  return out;
}

const corrupt = (why: string) =>
  new CheckpointError('CHECKPOINT_CORRUPT', `The training checkpoint is unusable: ${why}.`);

export async function decodeCheckpoint(bytes: Uint8Array): Promise<TrainingCheckpoint> {
  if (bytes.length < 12) throw corrupt('it is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt('it is not a checkpoint');
  if (view.getUint32(4, true) !== FORMAT)
    throw corrupt(`format ${view.getUint32(4, true)} is not one this version reads`);
  const length = view.getUint32(8, true);
  if (12 + length > bytes.length) throw corrupt('its header is cut short');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as Header;
  } catch {
    throw corrupt('its header is not readable');
  }
  const start = Math.ceil((12 + length) / 4) * 4;
  const count = header.lengths.reduce((n, l) => n + l, 0) * 3;
  if (bytes.length !== start + count * 4) throw corrupt('its arrays are cut short');
  const payload = bytes.subarray(start);
  if ((await contentHash(payload)) !== header.sha256) throw corrupt('its arrays do not match their hash');
  // A copy, 4-byte aligned (the payload starts on a multiple of 4 of the file, not necessarily of its buffer).
  const values = new Float32Array(count);
  if (LITTLE_ENDIAN) new Uint8Array(values.buffer).set(payload);
  else {
    const payloadView = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let i = 0; i < count; i++) values[i] = payloadView.getFloat32(i * 4, true);
  }
  const groups: Float32Array[][] = [[], [], []];
  let at = 0;
  for (const group of groups) {
    for (const l of header.lengths) {
      group.push(values.subarray(at, at + l));
      at += l;
    }
  }
  return { run: header.run, progress: header.progress, weights: groups[0]!, first: groups[1]!, second: groups[2]! };
}

/** True when `checkpoint` continues `run` (same base, passages and plan). */
export function continuesRun(checkpoint: TrainingCheckpoint, run: TrainingRun): boolean {
  const a = checkpoint.run;
  const samePlan =
    Object.keys(a.plan).length === Object.keys(run.plan).length &&
    Object.entries(run.plan).every(([k, v]) => a.plan[k] === v);
  return (
    samePlan &&
    a.baseModel === run.baseModel &&
    a.baseSha256 === run.baseSha256 &&
    a.passages === run.passages &&
    a.corpusSha256 === run.corpusSha256
  );
}
