import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmbeddingsResponse } from '../../openai/types';
import { mergeEmbeddingsResponses, splitEmbeddingsRequest } from './embedding-batches';

describe('embeddings batches', () => {
  it('leaves a request that fits alone, and splits one that does not, keeping order', () => {
    const req = { model: 'e', input: ['a', 'b', 'c', 'd', 'e'], dimensions: 8 };
    assert.deepEqual(splitEmbeddingsRequest(req, undefined), [req]);
    assert.deepEqual(splitEmbeddingsRequest(req, 5), [req]);
    assert.deepEqual(
      splitEmbeddingsRequest(req, 2).map((r) => [r.input, r.dimensions]),
      [
        [['a', 'b'], 8],
        [['c', 'd'], 8],
        [['e'], 8],
      ],
    );
    // A single token array is one input; a list of token arrays is several.
    assert.equal(splitEmbeddingsRequest({ model: 'e', input: [1, 2, 3] }, 1).length, 1);
    assert.deepEqual(
      splitEmbeddingsRequest({ model: 'e', input: [[1], [2, 3]] }, 1).map((r) => r.input),
      [[[1]], [[2, 3]]],
    );
    assert.deepEqual(
      splitEmbeddingsRequest({ model: 'e', input: 'one' }, 1).map((r) => r.input),
      ['one'],
    );
  });

  it('merges answers with running indexes (each part in its own index order) and summed usage', () => {
    const part = (vectors: number[][], tokens: number): EmbeddingsResponse => ({
      object: 'list',
      data: vectors.map((embedding, index) => ({ object: 'embedding' as const, index, embedding })).reverse(),
      model: 'titan',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
    const merged = mergeEmbeddingsResponses([part([[1], [2]], 3), part([[3]], 4)]);
    assert.deepEqual(
      merged.data.map((d) => [d.index, d.embedding]),
      [
        [0, [1]],
        [1, [2]],
        [2, [3]],
      ],
    );
    assert.deepEqual(merged.usage, { prompt_tokens: 7, total_tokens: 7 });
    assert.equal(merged.model, 'titan');
  });
});
