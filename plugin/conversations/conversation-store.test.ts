import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../openai/types';
import { ControlPlaneConversationStore } from './control-plane-conversation-store';
import { MemoryConversationStore, type ConversationRecord } from './conversation-store';

const WORDS = 'the order ticket refund customer shipped warehouse weather forecast invoice status delayed tracking carrier parcel address'.split(' ');

/** A stored agent conversation of `turns` tool turns, its text varied as a model's would be (seeded). */
function agentConversation(turns: number, seed: number): { messages: ChatMessage[] } {
  let state = seed;
  const word = () => WORDS[(state = (state * 1103515245 + 12345) % 2 ** 31) % WORDS.length];
  const text = (n: number) => Array.from({ length: n }, word).join(' ');
  const messages: ChatMessage[] = [{ role: 'user', content: text(40) }];
  for (let i = 0; i < turns; i++) {
    const id = `call_${seed}_${i}`;
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name: 'lookup_order', arguments: JSON.stringify({ q: text(6) }) } }],
    });
    messages.push({
      role: 'tool',
      tool_call_id: id,
      content: JSON.stringify({ rows: Array.from({ length: 8 }, () => ({ note: text(12), n: state % 1000 })) }),
    });
  }
  messages.push({ role: 'assistant', content: text(60) });
  return { messages };
}

const record = (value: unknown, expiresAt = Date.now() + 60_000): ConversationRecord => ({ value, endpoint: 'agents', user: 'alice', expiresAt });

describe('the in-memory conversation store', () => {
  it('keeps a long conversation as deflated JSON and gives back an equal copy', async () => {
    const store = new MemoryConversationStore();
    const value = agentConversation(25, 7);
    const json = JSON.stringify(value);
    assert.ok(json.length > 20_000, `a realistic agent conversation (${json.length} chars)`);
    await store.put('r1', record(value));
    assert.ok(store.heldBytes < json.length / 2, `held ${store.heldBytes} bytes for ${json.length} chars of JSON`);
    const read = await store.get<typeof value>('r1');
    assert.deepEqual(read?.value, value);
    assert.equal(read?.endpoint, 'agents');
    assert.equal(read?.user, 'alice');
    read.value.messages.push({ role: 'user', content: 'changed by the reader' });
    assert.deepEqual((await store.get('r1'))?.value, value, 'a read cannot change what the next read gets');
  });

  it('stays within its byte budget, letting the least recently used go first', async () => {
    const one = JSON.stringify(agentConversation(12, 1)).length;
    const store = new MemoryConversationStore(10_000, Date.now, one); // room for a few packed conversations
    for (let i = 0; i < 40; i++) {
      await store.put(`r${i}`, record(agentConversation(12, i + 1)));
      assert.ok(await store.get('r0'), 'r0, read after every put, is never the least recently used');
      assert.ok(store.heldBytes <= one, `held ${store.heldBytes} of ${one} bytes after ${i + 1} puts`);
    }
    assert.ok(store.size >= 2 && store.size < 40, `${store.size} kept`);
    assert.deepEqual((await store.get('r39'))?.value, agentConversation(12, 40), 'the newest is kept');
    assert.deepEqual((await store.get('r0'))?.value, agentConversation(12, 1), 'the one read all along is kept');
    assert.equal(await store.get('r1'), undefined, 'the oldest unread one went');
  });

  it('keeps nothing larger than its whole budget, and loses nothing else for it', async () => {
    const store = new MemoryConversationStore(10_000, Date.now, 4_096);
    await store.put('small', record({ messages: [{ role: 'user', content: 'hi' }] }));
    await store.put('huge', record({ blob: 'x'.repeat(10_000) }));
    assert.equal(await store.get('huge'), undefined);
    assert.deepEqual((await store.get('small'))?.value, { messages: [{ role: 'user', content: 'hi' }] });
  });

  it('accounts for replaced, deleted and expired records', async () => {
    let now = 1_000;
    const store = new MemoryConversationStore(10_000, () => now);
    await store.put('a', record(agentConversation(4, 1), 2_000));
    await store.put('a', record(agentConversation(4, 2), 2_000));
    await store.put('b', record(agentConversation(4, 3), 5_000));
    const both = store.heldBytes;
    assert.equal(await store.delete('b'), true);
    assert.ok(store.heldBytes < both && store.heldBytes > 0);
    now = 3_000;
    assert.equal(await store.get('a'), undefined, 'expired');
    assert.equal(store.heldBytes, 0);
    assert.equal(store.size, 0);
  });
});

describe('a node whose memory budget is 0', () => {
  it('still stores in the control plane and reads every continuation from it', async () => {
    const kept = new Map<string, ConversationRecord>();
    let gets = 0;
    const client = {
      put: async (key: string, r: ConversationRecord) => void kept.set(key, structuredClone(r)),
      get: async (key: string) => (gets++, structuredClone(kept.get(key))),
      delete: async (key: string) => kept.delete(key),
    };
    const node = new ControlPlaneConversationStore(client, 1_000, { memoryBytes: 0 });
    const value = agentConversation(3, 9);
    await node.put('r', record(value));
    assert.deepEqual((await node.get('r'))?.value, value);
    assert.deepEqual((await node.get('r'))?.value, value);
    assert.equal(gets, 2);
  });
});
