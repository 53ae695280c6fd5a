import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../openai/types';
import { geminiThinkingConfig } from './build-thinking-config';

const ask = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], ...over });

describe('Gemini thinkingConfig from reasoning_effort (https://ai.google.dev/gemini-api/docs/thinking)', () => {
  it('Gemini 2.5: a budget in the model range, with thought summaries', () => {
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'low' }), 'gemini-2.5-flash'), { thinkingBudget: 1024, includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'max' }), 'gemini-2.5-flash'), { thinkingBudget: 24576, includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'max' }), 'gemini-2.5-pro'), { thinkingBudget: 32768, includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'none' }), 'gemini-2.5-flash'), { thinkingBudget: 0 });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'none' }), 'gemini-2.5-pro'), { thinkingBudget: 128 }, 'Pro cannot stop thinking');
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'minimal' }), 'gemini-2.5-flash-lite'), { thinkingBudget: 512, includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ thinking: { type: 'enabled', budget_tokens: 5000 } }), 'gemini-2.5-flash'), {
      thinkingBudget: 5000,
      includeThoughts: true,
    });
  });

  it('Gemini 3: a thinking level, never with a budget', () => {
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'medium' }), 'gemini-3-pro-preview'), { thinkingLevel: 'high', includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'medium' }), 'gemini-3-flash-preview'), { thinkingLevel: 'medium', includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'minimal' }), 'gemini-3-pro-preview'), { thinkingLevel: 'low', includeThoughts: true });
    assert.deepEqual(geminiThinkingConfig(ask({ reasoning_effort: 'none' }), 'gemini-3-flash-preview'), { thinkingLevel: 'minimal', includeThoughts: false });
  });

  it('models that do not think, and requests that do not ask, get nothing', () => {
    assert.equal(geminiThinkingConfig(ask({ reasoning_effort: 'high' }), 'gemini-2.0-flash'), undefined);
    assert.equal(geminiThinkingConfig(ask({}), 'gemini-2.5-flash'), undefined);
  });
});
