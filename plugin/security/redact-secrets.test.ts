import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor } from './redact-secrets';

const OPENAI = 'sk-proj-Zx81QmLk2b9T0aPqR7sVwYc3';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AZURE = '4f1c8e2a9b7d4c3e8f6a1b2c3d4e5f60';
const redact = createRedactor([OPENAI, AWS_SECRET, AZURE, 'short', undefined]);

describe('redacting what providers echo', () => {
  it('removes held secrets whole, and runs that hold their head or tail', () => {
    for (const text of [
      `Incorrect API key provided: ${OPENAI}.`,
      `Incorrect API key provided: ${OPENAI.slice(0, 10)}*******************${OPENAI.slice(-4)}`,
      `key ${OPENAI.slice(0, 8)}...${OPENAI.slice(-6)} rejected`,
      `The request signature we calculated does not match. Secret: ${AWS_SECRET}`,
      `Access denied due to invalid subscription key ${AZURE}`,
    ]) {
      const out = redact(text);
      for (const part of [OPENAI, OPENAI.slice(-6), AWS_SECRET, AWS_SECRET.slice(0, 6), AZURE.slice(-6)])
        assert.ok(!out.includes(part), `${out} keeps ${part}`);
      assert.match(out, /\[REDACTED\]/);
    }
  });

  it('removes credential shapes it does not hold', () => {
    const cases: Array<[string, RegExp]> = [
      ['Authorization: Bearer abc.def-ghi_jkl', /abc\.def/],
      ['Incorrect API key provided: sk-ant-api03-AAAAAAAAAAAAAAAA', /sk-ant/],
      ['API key not valid: AIzaSyA1234567890abcdefghijklmnopqrstu', /AIzaSy/],
      ['The security token included in the request is invalid: AKIAIOSFODNN7EXAMPLE', /AKIAIOSFODNN7/],
      ['GET https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=abcdef123456&alt=sse failed', /abcdef123456/],
      ['{"api_key": "0123456789abcdef"}', /0123456789abcdef/],
      ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkcCJ9.c2lnbmF0dXJl expired', /eyJzdWIi/],
      ['key ab12************************yz34 is wrong', /ab12|yz34/],
    ];
    for (const [text, secret] of cases) assert.doesNotMatch(redact(text), secret, text);
  });

  it('leaves ordinary provider messages alone', () => {
    for (const text of [
      "The model 'gpt-4o-mini-2024-07-18' does not exist or you do not have access to it.",
      'max_tokens: 100000 > 8192, which is the maximum allowed number of output tokens for claude-3-5-sonnet-20241022',
      'Rate limit reached for requests. Please try again in 20s.',
      'messages.1.content.0.tool_use.input: Input should be a valid dictionary',
    ]) {
      assert.equal(redact(text), text);
    }
  });

  it('takes linear time on hostile text (a provider controls what it sends)', { timeout: 5_000 }, () => {
    const n = 300_000;
    for (const hostile of [
      'x'.repeat(n),
      '*'.repeat(n),
      'eyJ'.repeat(n / 3),
      'api_key'.repeat(n / 7),
      'sk-'.repeat(n / 3),
      ' '.repeat(n),
      `${OPENAI.slice(0, 6)}-`.repeat(n / 7),
    ]) {
      assert.ok(redact(hostile).length > 0);
    }
  });
});
