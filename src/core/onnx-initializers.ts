// The weights inside an ONNX model file, found and rewritten in place. Training in the page (src/train) ends with
// new weights for the model the search engine already runs; rather than a second model format, they go back into
// the same `.onnx` file: every initializer's tensor bytes are a fixed-length region of the protobuf, so new fp32
// values of the same shape overwrite it and the graph, its metadata and every other byte stay as they were.
// This is a reader of the few protobuf fields that locate initializers (ModelProto.graph → GraphProto.initializer →
// TensorProto name, dims, data_type, raw_data / float_data), not a general ONNX parser.
import { CodedError } from './errors';

/**
 * ONNX_MALFORMED: the bytes are not a protobuf ONNX model (truncated, or another file).
 * ONNX_EXTERNAL_DATA: a weight lives in an external data file, which this reader does not rewrite.
 * ONNX_WEIGHT_MISSING: a weight to write or read is not in the model.
 * ONNX_WEIGHT_SHAPE: new values for a weight do not have its length, or it is not fp32.
 */
export type OnnxWeightsErrorCode =
  'ONNX_MALFORMED' | 'ONNX_EXTERNAL_DATA' | 'ONNX_WEIGHT_MISSING' | 'ONNX_WEIGHT_SHAPE';

export class OnnxWeightsError extends CodedError<OnnxWeightsErrorCode> {}

/** ONNX TensorProto.DataType FLOAT. */
export const ONNX_FLOAT = 1;

/** One initializer: where its tensor bytes are in the file. */
export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  /** TensorProto.DataType (1 = float32). */
  readonly dataType: number;
  /** Byte offset and length of the little-endian element data (raw_data, or packed float_data). */
  readonly offset: number;
  readonly byteLength: number;
}

/** A cursor over protobuf bytes. Field lengths and offsets fit in a double: files are far below 2^53 bytes. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.end) throw malformed('a number runs past the end');
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw malformed('a number is longer than 10 bytes');
  }

  /** The next field's number and wire type, or undefined at the end. */
  tag(): { field: number; wire: number } | undefined {
    if (this.at >= this.end) return undefined;
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key % 8 };
  }

  /** A length-delimited field's [start, end). */
  delimited(): [number, number] {
    const length = this.varint();
    const start = this.at;
    if (start + length > this.end) throw malformed('a field runs past the end');
    this.at = start + length;
    return [start, this.at];
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.delimited();
    else if (wire === 5) this.advance(4);
    else throw malformed(`unsupported wire type ${wire}`);
  }

  private advance(n: number): void {
    if (this.at + n > this.end) throw malformed('a field runs past the end');
    this.at += n;
  }
}

const malformed = (why: string) => new OnnxWeightsError('ONNX_MALFORMED', `Not a readable ONNX model: ${why}.`);

const TEXT = new TextDecoder();

function readTensor(bytes: Uint8Array, start: number, end: number): OnnxInitializer {
  const r = new Reader(bytes, start, end);
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let data: [number, number] | undefined;
  let external = false;
  for (let tag = r.tag(); tag; tag = r.tag()) {
    if (tag.field === 1 && tag.wire === 0) dims.push(r.varint());
    else if (tag.field === 1 && tag.wire === 2) {
      const [s, e] = r.delimited();
      const packed = new Reader(bytes, s, e);
      while (packed.at < e) dims.push(packed.varint());
    } else if (tag.field === 2 && tag.wire === 0) dataType = r.varint();
    else if (tag.field === 8 && tag.wire === 2) {
      const [s, e] = r.delimited();
      name = TEXT.decode(bytes.subarray(s, e));
    } else if ((tag.field === 9 || tag.field === 4) && tag.wire === 2) data = r.delimited();
    else if (tag.field === 14 && tag.wire === 0) external = r.varint() === 1;
    else r.skip(tag.wire);
  }
  if (external) {
    throw new OnnxWeightsError(
      'ONNX_EXTERNAL_DATA',
      `Weight ${name} is stored in an external data file; only weights inside the .onnx file can be rewritten.`,
    );
  }
  const [offset, dataEnd] = data ?? [end, end];
  return { name, dims, dataType, offset, byteLength: dataEnd - offset };
}

/** Every initializer of the model's graph, in file order. */
export function onnxInitializers(bytes: Uint8Array): OnnxInitializer[] {
  const model = new Reader(bytes, 0, bytes.length);
  const found: OnnxInitializer[] = [];
  let sawGraph = false;
  for (let tag = model.tag(); tag; tag = model.tag()) {
    if (tag.field !== 7 || tag.wire !== 2) {
      model.skip(tag.wire);
      continue;
    }
    sawGraph = true;
    const [start, end] = model.delimited();
    const graph = new Reader(bytes, start, end);
    for (let g = graph.tag(); g; g = graph.tag()) {
      if (g.field === 5 && g.wire === 2) {
        const [s, e] = graph.delimited();
        found.push(readTensor(bytes, s, e));
      } else graph.skip(g.wire);
    }
  }
  if (!sawGraph) throw malformed('it has no graph');
  return found;
}

function floatInitializer(init: OnnxInitializer | undefined, name: string): OnnxInitializer {
  if (!init) throw new OnnxWeightsError('ONNX_WEIGHT_MISSING', `The model has no weight named ${name}.`);
  const elements = init.dims.reduce((a, b) => a * b, 1);
  if (init.dataType !== ONNX_FLOAT || init.byteLength !== elements * 4) {
    throw new OnnxWeightsError('ONNX_WEIGHT_SHAPE', `Weight ${name} is not an fp32 tensor of ${elements} values.`);
  }
  return init;
}

/** The fp32 values of the named initializers (copies: the file's regions are not 4-byte aligned). */
export function readOnnxWeights(bytes: Uint8Array, names: readonly string[]): Map<string, Float32Array> {
  const byName = new Map(onnxInitializers(bytes).map((init) => [init.name, init]));
  const out = new Map<string, Float32Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of names) {
    const init = floatInitializer(byName.get(name), name);
    const values = new Float32Array(init.byteLength / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(init.offset + i * 4, true);
    out.set(name, values);
  }
  return out;
}

/** A copy of the model with the named initializers' values replaced; every other byte is unchanged. */
export function writeOnnxWeights(bytes: Uint8Array, values: ReadonlyMap<string, Float32Array>): Uint8Array {
  const byName = new Map(onnxInitializers(bytes).map((init) => [init.name, init]));
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (const [name, data] of values) {
    const init = floatInitializer(byName.get(name), name);
    if (data.length * 4 !== init.byteLength) {
      throw new OnnxWeightsError(
        'ONNX_WEIGHT_SHAPE',
        `New values for ${name} have ${data.length} elements; the model's weight has ${init.byteLength / 4}.`,
      );
    }
    for (let i = 0; i < data.length; i++) view.setFloat32(init.offset + i * 4, data[i]!, true);
  }
  return out;
}
