import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, ChatRequest } from '../../openai/types';
import { planClaudeThinking } from './claude-thinking';

const signed = (m: ChatMessage) => (m.thinking_blocks ?? []).some((b) => b.type === 'thinking' && !!b.signature);
const ask = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], ...over });
const plan = (over: Partial<ChatRequest>, model = 'claude-sonnet-4-5') => planClaudeThinking(ask(over), model, 8192, signed);

const toolLoop = (thinking: boolean): ChatMessage[] => [
  { role: 'user', content: 'weather?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 't1', type: 'function', function: { name: 'w', arguments: '{}' } }],
    ...(thinking ? { thinking_blocks: [{ type: 'thinking' as const, thinking: 'hmm', signature: 'sig' }] } : {}),
  },
  { role: 'tool', tool_call_id: 't1', content: 'sunny' },
];

describe('Claude extended thinking from reasoning_effort', () => {
  it('maps each effort to its budget; max_tokens is the default plus the budget, capped at the model limit', () => {
    assert.deepEqual(plan({ reasoning_effort: 'minimal' }), { budgetTokens: 1024, maxTokens: 9216 });
    assert.deepEqual(plan({ reasoning_effort: 'low' }), { budgetTokens: 2048, maxTokens: 10240 });
    assert.deepEqual(plan({ reasoning_effort: 'medium' }), { budgetTokens: 8192, maxTokens: 16384 });
    assert.deepEqual(plan({ reasoning_effort: 'high' }), { budgetTokens: 16384, maxTokens: 24576 });
    // Opus 4 writes at most 32,000 tokens: the budget shrinks to fit under it.
    assert.deepEqual(plan({ reasoning_effort: 'max' }, 'claude-opus-4-1'), { budgetTokens: 31999, maxTokens: 32000 });
  });

  it("keeps the client's limit and fits the budget under it; below Anthropic's minimum there is no thinking", () => {
    assert.deepEqual(plan({ reasoning_effort: 'high', max_completion_tokens: 4000 }), { budgetTokens: 3999, maxTokens: 4000 });
    assert.equal(plan({ reasoning_effort: 'high', max_tokens: 1024 }), undefined);
  });

  it("Anthropic's own budget wins over the effort; thinking disabled or effort none is off", () => {
    assert.deepEqual(plan({ reasoning_effort: 'high', thinking: { type: 'enabled', budget_tokens: 3000 }, max_tokens: 5000 }), {
      budgetTokens: 3000,
      maxTokens: 5000,
    });
    assert.equal(plan({ reasoning_effort: 'high', thinking: { type: 'disabled' } }), undefined);
    assert.equal(plan({ reasoning_effort: 'none' }), undefined);
    assert.equal(plan({}), undefined);
  });

  it('the Responses-style reasoning.effort is understood too', () => {
    assert.deepEqual(plan({ reasoning: { effort: 'low' } }), { budgetTokens: 2048, maxTokens: 10240 });
  });

  it('models without extended thinking ignore it', () => {
    assert.equal(plan({ reasoning_effort: 'high' }, 'claude-3-5-sonnet-20241022'), undefined);
    assert.ok(plan({ reasoning_effort: 'high' }, 'claude-3-7-sonnet-20250219'));
    assert.ok(plan({ reasoning_effort: 'high' }, 'us.anthropic.claude-sonnet-4-20250514-v1:0'));
  });

  it('a forced tool choice wins over thinking', () => {
    assert.equal(plan({ reasoning_effort: 'high', tool_choice: 'required' }), undefined);
    assert.equal(plan({ reasoning_effort: 'high', tool_choice: { type: 'function', function: { name: 'w' } } }), undefined);
    assert.ok(plan({ reasoning_effort: 'high', tool_choice: 'auto' }));
  });

  it('inside a tool loop, thinking needs the signed thinking of the turn that called the tools', () => {
    assert.ok(plan({ reasoning_effort: 'low', messages: toolLoop(true) }));
    assert.equal(plan({ reasoning_effort: 'low', messages: toolLoop(false) }), undefined, 'state lost: no thinking rather than a 400');
    assert.ok(plan({ reasoning_effort: 'low', messages: [...toolLoop(false), { role: 'assistant', content: 'done' }, { role: 'user', content: 'next' }] }));
  });
});
