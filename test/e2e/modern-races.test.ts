// Races of the MRTR translation, scripted with the hostile legacy SSE fixture's `ask` tool: a plain
// request on the seat when the backend asks for input, the backend answering a held call before the
// client's retry, and two retries of one round. Raw 2026-07-28 POSTs, so each step is the test's.
import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { startHostileStack, type HostileStack } from '../helpers/hostile-stack.js';
import { modernMessages, modernRequest, postModern } from '../helpers/modern.js';
import type { Wire } from '../helpers/wire.js';
import { eventually } from '../helpers/clients.js';

after(() => stopAll());

const CAPS = { capabilities: { sampling: {} }, clientInfo: { name: 'races', version: '1.0.0' } };
const SAMPLED = { role: 'assistant', model: 'races', content: { type: 'text', text: 'hi' } };

async function stack(t: TestContext): Promise<HostileStack & { fixture: NonNullable<HostileStack['fixture']> }> {
  const s = await startHostileStack(t);
  return { ...s, fixture: s.fixture! };
}

/** The last message of an answer: the response. */
async function answerOf(res: Promise<Response>): Promise<Wire> {
  return (await modernMessages(await res)).at(-1);
}

function toolCall(id: number, args: Record<string, unknown>, retry: Record<string, unknown> = {}): Record<string, unknown> {
  return modernRequest(id, 'tools/call', { name: 'ask', arguments: args, ...retry }, CAPS);
}

/** The round's one input key and its requestState. */
function roundOf(answer: Wire): { key: string; requestState: string } {
  assert.equal(answer.result?.resultType, 'input_required', JSON.stringify(answer));
  const keys = Object.keys(answer.result.inputRequests as object);
  assert.equal(keys.length, 1);
  return { key: keys[0]!, requestState: answer.result.requestState as string };
}

test('a plain request on the seat does not take the input request of the call that may ask for it', { timeout: 60_000 }, async (t) => {
  const { proxy, fixture } = await stack(t);
  const args = { when: 'prompts/list', then: 'answer' };
  const call = answerOf(postModern(proxy.url, toolCall(1, args)));
  await fixture.waitForLine((l) => l.received === 'tools/call');
  // In flight at the backend when it sends its sampling request: two requests open on the seat.
  const list = answerOf(postModern(proxy.url, modernRequest(2, 'prompts/list', {}, CAPS)));
  const { key, requestState } = roundOf(await call);
  const done = await answerOf(postModern(proxy.url, toolCall(3, args, { inputResponses: { [key]: SAMPLED }, requestState })));
  assert.equal(done.result?.content?.[0]?.text, 'sampled: hi', JSON.stringify(done));
  assert.deepEqual((await list).result?.prompts, []);
});

test('a held call the backend answered before the retry gives the retry that answer', { timeout: 60_000 }, async (t) => {
  const { proxy } = await stack(t);
  const args = { then: 'answer_on_list' };
  const { key, requestState } = roundOf(await answerOf(postModern(proxy.url, toolCall(1, args))));
  // The backend answers the call, then the list, on one stream: once the list is answered, so is the call.
  const list = await answerOf(postModern(proxy.url, modernRequest(2, 'prompts/list', {}, CAPS)));
  assert.deepEqual(list.result?.prompts, [], JSON.stringify(list));
  const res = await postModern(proxy.url, toolCall(3, args, { inputResponses: { [key]: SAMPLED }, requestState }));
  assert.equal(res.status, 200);
  const done = (await modernMessages(res)).at(-1);
  assert.equal(done.result?.content?.[0]?.text, 'answered before the input', JSON.stringify(done));
  // The proxy is still whole: the next call is served.
  const next = roundOf(await answerOf(postModern(proxy.url, toolCall(4, { then: 'answer' }))));
  const after = await answerOf(
    postModern(proxy.url, toolCall(5, { then: 'answer' }, { inputResponses: { [next.key]: SAMPLED }, requestState: next.requestState })),
  );
  assert.equal(after.result?.content?.[0]?.text, 'sampled: hi');
  // Nothing went wrong inside the proxy on the way (its log is written in order: the audit of the last
  // call follows any failure of the retry).
  await eventually(() => proxy.lines.filter((l) => l.includes('"audit":"tools/call"')).length >= 2, 'the audit of the last call');
  assert.deepEqual(
    proxy.lines.filter((l) => l.includes('ERR_INTERNAL')),
    [],
  );
});

test('a second retry of a round being served is refused; the first goes on and its cancel reaches the backend', { timeout: 60_000 }, async (t) => {
  const { proxy, fixture } = await stack(t);
  const args = { then: 'hang' };
  const { key, requestState } = roundOf(await answerOf(postModern(proxy.url, toolCall(1, args))));
  const retry = { inputResponses: { [key]: SAMPLED }, requestState };
  const ac = new AbortController();
  const first = postModern(proxy.url, toolCall(2, args, retry), {}, { signal: ac.signal });
  await fixture.waitForLine((l) => typeof l.input_answered === 'string');
  const second = await answerOf(postModern(proxy.url, toolCall(3, args, retry)));
  assert.equal(second.error?.code, -32602, JSON.stringify(second));
  ac.abort();
  await first.then((r) => r.text()).catch(() => undefined);
  await fixture.waitForLine((l) => l.received === 'notifications/cancelled');
});

test('input the backend asks while the client is away between rounds is asked in the next round, not a failed call', { timeout: 60_000 }, async (t) => {
  const { proxy } = await stack(t);
  const args = { then: 'ask_again_on_list' };
  const first = roundOf(await answerOf(postModern(proxy.url, toolCall(1, args))));
  // Between rounds: a plain request on the seat makes the backend ask its second question now.
  const list = await answerOf(postModern(proxy.url, modernRequest(2, 'prompts/list', {}, CAPS)));
  assert.deepEqual(list.result?.prompts, [], JSON.stringify(list));
  // The proxy has taken the question in while nobody was connected for the call.
  await proxy.waitForLine((l) => l.reason === 'input_between_rounds');
  const retry = await answerOf(postModern(proxy.url, toolCall(3, args, { inputResponses: { [first.key]: SAMPLED }, requestState: first.requestState })));
  const second = roundOf(retry);
  assert.notEqual(second.key, first.key);
  const done = await answerOf(postModern(proxy.url, toolCall(4, args, { inputResponses: { [second.key]: SAMPLED }, requestState: second.requestState })));
  assert.equal(done.result?.content?.[0]?.text, 'sampled: hi + hi', JSON.stringify(done));
  // The call was never failed and run afresh (its side effects would happen twice).
  assert.equal(proxy.lines.filter((l) => l.includes('ERR_')).length, 0);
});
