// The model cache's checksum: streamed SHA-256 of a file in chunks (as Blob.stream() gives them) equals the digest
// of the whole file. The rest of the model cache needs OPFS and runs in the browser tests (e2e/models.spec.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/engines/model-store';
import { DEMO_MODEL_ID, MODEL_ROOT } from './paths';

describe('sha256Hex', () => {
  it('hashes a stream chunk by chunk exactly as one digest of the whole', async () => {
    const bytes = readFileSync(`${MODEL_ROOT}${DEMO_MODEL_ID}/onnx/model.onnx`);
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(await sha256Hex(new Blob([bytes]).stream())).toBe(expected);
    expect(await sha256Hex(new Blob([]).stream())).toBe(createHash('sha256').digest('hex'));
  });
});
