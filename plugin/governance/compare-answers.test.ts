import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerOf, compareAnswers, textSimilarity } from './compare-answers';

const call = (name: string, args: string) => ({ id: `call_${Math.random()}`, type: 'function' as const, function: { name, arguments: args } });

describe('compareAnswers', () => {
  it('matches tool calls by name and parsed arguments, in any order, whatever their ids', () => {
    const a = answerOf({ role: 'assistant', content: null, tool_calls: [call('a', '{"x":1,"y":[1,2]}'), call('b', '{}')] }, 'tool_calls');
    const b = answerOf({ role: 'assistant', content: null, tool_calls: [call('b', ' { } '), call('a', '{"y":[1,2], "x":1}')] }, 'tool_calls');
    assert.deepEqual(compareAnswers(a, b), { exactMatch: true, sameToolCalls: true, toolCalls: true, textSimilarity: 1 });
    const c = answerOf({ role: 'assistant', content: null, tool_calls: [call('a', '{"x":1,"y":[2,1]}'), call('b', '{}')] }, 'tool_calls');
    assert.equal(compareAnswers(a, c).sameToolCalls, false, 'array order inside arguments matters');
    const d = answerOf({ role: 'assistant', content: null, tool_calls: [call('a', '{"x":1,"y":[1,2]}')] }, 'tool_calls');
    assert.equal(compareAnswers(a, d).sameToolCalls, false, 'a missing call');
    const twice = answerOf({ role: 'assistant', content: null, tool_calls: [call('b', '{}'), call('b', '{}')] }, 'tool_calls');
    const once = answerOf({ role: 'assistant', content: null, tool_calls: [call('b', '{}'), call('a', '{"x":1,"y":[1,2]}')] }, 'tool_calls');
    assert.equal(compareAnswers(twice, once).sameToolCalls, false, 'multisets, not sets');
  });

  it('compares unparseable arguments as text and custom tool calls by their input', () => {
    const raw = (s: string) => answerOf({ role: 'assistant', content: null, tool_calls: [call('f', s)] }, 'tool_calls');
    assert.equal(compareAnswers(raw('{broken'), raw('{broken')).sameToolCalls, true);
    assert.equal(compareAnswers(raw('{broken'), raw('{broken ')).sameToolCalls, false);
    const custom = (input: string) =>
      answerOf({ role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'custom', custom: { name: 'sh', input } }] }, 'tool_calls');
    assert.equal(compareAnswers(custom('ls -la'), custom('ls -la')).exactMatch, true);
  });

  it('exact match needs the same text (trimmed) and the same calls', () => {
    const text = (s: string) => answerOf({ role: 'assistant', content: s }, 'stop');
    assert.equal(compareAnswers(text(' Yes.\n'), text('Yes.')).exactMatch, true);
    assert.equal(compareAnswers(text('Yes.'), text('yes.')).exactMatch, false);
    assert.equal(compareAnswers(text('Yes.'), text('yes.')).textSimilarity, 1, 'similarity ignores case and punctuation');
    assert.equal(compareAnswers(answerOf(undefined, null), text('')).exactMatch, true);
  });
});

describe('textSimilarity', () => {
  it('is the cosine of word counts', () => {
    assert.equal(textSimilarity('the cat sat on the mat', 'The cat sat on a mat.'), 0.866);
    assert.equal(textSimilarity('a b', 'c d'), 0);
    assert.equal(textSimilarity('', ''), 1);
    assert.equal(textSimilarity('x', ''), 0);
    assert.equal(textSimilarity('Grüße aus Köln 2024', 'grüße aus köln 2024'), 1, 'Unicode words and numbers');
    assert.equal(textSimilarity('b a', 'a b'), 1, 'order does not count');
  });
});
