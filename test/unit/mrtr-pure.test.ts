// The pure parts of MRTR translation (MCP 2026-07-28, basic/patterns/mrtr): the signed requestState,
// the params digest it binds, input keys and inputResponses validation (the held-call table: mrtr-held-calls.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequestStateCodec, stateHash, type RequestStateClaims, type RequestStateExpectation } from '../../src/mrtr/request-state.js';
import { paramsDigest } from '../../src/mrtr/params-digest.js';
import { canonicalJson } from '../../src/jsonrpc/canonical-json.js';
import { assignInputKeys, inputKindOf, INPUT_KEY_HINT, NO_KEYS } from '../../src/mrtr/input-keys.js';
import { checkInputResponses, problemOf } from '../../src/mrtr/input-responses.js';
import type { InputKind } from '../../src/mrtr/input-keys.js';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const SHARED = Buffer.alloc(48, 7);
const NOW = 1_800_000_000_000;
const PARAMS = { name: 'test_tool', arguments: { a: 1, b: [1, 2] } };

const claims: RequestStateClaims = {
  heldId: 'AAAAAAAAAAAAAAAAAAAAAA',
  replicaId: 'r1',
  round: 1,
  method: 'tools/call',
  paramsDigest: paramsDigest('tools/call', PARAMS),
  seat: stateHash('seat-1'),
  principal: stateHash('alice'),
  keys: ['user_name'],
  expiresAt: NOW + 60_000,
};
const expect = (over: Partial<RequestStateExpectation> = {}): RequestStateExpectation => ({
  method: claims.method,
  paramsDigest: claims.paramsDigest,
  seat: claims.seat,
  principal: claims.principal,
  currentRound: (id) => (id === claims.heldId ? 1 : undefined),
  ...over,
});
const codecA = createRequestStateCodec({ key: KEY_A, replicaId: 'r1', shared: false });
const codecB = createRequestStateCodec({ key: KEY_B, replicaId: 'r2', shared: false });
const shared1 = createRequestStateCodec({ key: SHARED, replicaId: 'r1', shared: true });
const shared2 = createRequestStateCodec({ key: SHARED, replicaId: 'r2', shared: true });
const state = codecA.mint(claims);

test('requestState: a minted state verifies on its replica and carries the claims back', () => {
  assert.match(state, /^fd1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  const v = codecA.verify(state, expect(), NOW);
  assert.deepEqual(v, { ok: true, where: 'here', held: true, claims });
});

test('requestState: changing any single character (prefix, payload, MAC) is refused', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  let tried = 0;
  for (let i = 0; i < state.length; i++) {
    // Two replacements per position: one differs in high bits, one only in the lowest bit.
    for (const c of [alphabet[(alphabet.indexOf(state[i]!) + 32) % 64]!, alphabet[alphabet.indexOf(state[i]!) ^ 1]!]) {
      if (c === state[i]) continue;
      const bad = state.slice(0, i) + c + state.slice(i + 1);
      tried++;
      const here = codecA.verify(bad, expect(), NOW);
      assert.equal(here.ok, false, `position ${i} (${state[i]} → ${c}) must be refused`);
      // With a shared secret a failed MAC is final whatever the payload says.
      assert.deepEqual(shared1.verify(bad, expect(), NOW), { ok: false, reason: 'invalid_request_state' });
    }
  }
  assert.ok(tried > state.length, 'every position was tampered');
});

const refusals: [string, unknown, RequestStateExpectation, number, string][] = [
  ['suffix appended (conformance tampered-state)', `${state}-TAMPERED`, expect(), NOW, 'invalid_request_state'],
  ['other prefix', state.replace(/^fd1\./, 'fd2.'), expect(), NOW, 'invalid_request_state'],
  ['MAC removed', state.slice(0, state.lastIndexOf('.')), expect(), NOW, 'invalid_request_state'],
  ['MAC truncated', state.slice(0, -1), expect(), NOW, 'invalid_request_state'],
  ['not a string', 42, expect(), NOW, 'invalid_request_state'],
  ['null', null, expect(), NOW, 'invalid_request_state'],
  ['empty', '', expect(), NOW, 'invalid_request_state'],
  ['over the length cap', `${state}${'A'.repeat(5000)}`, expect(), NOW, 'invalid_request_state'],
  ['MAC of another key', codecB.mint({ ...claims, replicaId: 'r1' }), expect(), NOW, 'invalid_request_state'],
  ['at expiry', state, expect(), claims.expiresAt, 'expired'],
  ['other method', state, expect({ method: 'prompts/get' }), NOW, 'method_mismatch'],
  ['other params', state, expect({ paramsDigest: paramsDigest('tools/call', { name: 'x' }) }), NOW, 'params_mismatch'],
  ['other principal', state, expect({ principal: stateHash('mallory') }), NOW, 'principal_mismatch'],
  ['other seat', state, expect({ seat: stateHash('seat-2') }), NOW, 'seat_mismatch'],
  ['stale round', state, expect({ currentRound: () => 2 }), NOW, 'stale_round'],
  // Verification order: MAC → expiry → method/params → principal → seat → round.
  ['expired and other method', state, expect({ method: 'x' }), claims.expiresAt, 'expired'],
  ['other method and params', state, expect({ method: 'x', paramsDigest: 'y' }), NOW, 'method_mismatch'],
  ['other params and principal', state, expect({ paramsDigest: 'y', principal: 'z' }), NOW, 'params_mismatch'],
  ['other principal and seat', state, expect({ principal: 'z', seat: 's' }), NOW, 'principal_mismatch'],
  ['other seat and stale round', state, expect({ seat: 's', currentRound: () => 9 }), NOW, 'seat_mismatch'],
];
for (const [name, input, expectation, now, reason] of refusals) {
  test(`requestState refused: ${name} → ${reason}`, () => {
    assert.deepEqual(codecA.verify(input, expectation, now), { ok: false, reason });
  });
}

test('requestState: one millisecond before expiry still verifies; a gone held call means restart', () => {
  assert.equal(codecA.verify(state, expect(), claims.expiresAt - 1).ok, true);
  assert.deepEqual(codecA.verify(state, expect({ currentRound: () => undefined }), NOW), {
    ok: true,
    where: 'here',
    held: false,
    claims,
  });
});

test('requestState: another replica with its own key routes by the unverified id; a shared secret verifies across replicas', () => {
  assert.deepEqual(codecB.verify(state, expect(), NOW), { ok: false, reason: 'other_replica_unverified', replicaId: 'r1' });
  const s = shared1.mint(claims);
  assert.deepEqual(shared1.verify(s, expect(), NOW), { ok: true, where: 'here', held: true, claims });
  assert.deepEqual(shared2.verify(s, expect(), NOW), { ok: true, where: 'other_replica', claims });
  assert.deepEqual(shared2.verify(s, expect({ principal: 'z' }), NOW), { ok: false, reason: 'principal_mismatch' });
  assert.deepEqual(codecA.verify(s, expect(), NOW), { ok: false, reason: 'invalid_request_state' });
});

test('requestState: keys shorter than 32 bytes are refused', () => {
  assert.throws(() => createRequestStateCodec({ key: Buffer.alloc(31), replicaId: 'r', shared: false }), RangeError);
});

test('params digest: key order and _meta/inputResponses/requestState do not matter; name, arguments, uri do', () => {
  const base = paramsDigest('tools/call', PARAMS);
  const retry = { arguments: { b: [1, 2], a: 1 }, name: 'test_tool', _meta: { progressToken: 9 }, inputResponses: {}, requestState: 's' };
  assert.equal(paramsDigest('tools/call', retry), base);
  assert.notEqual(paramsDigest('tools/call', { ...PARAMS, arguments: { a: 2, b: [1, 2] } }), base);
  assert.notEqual(paramsDigest('tools/call', { ...PARAMS, arguments: { a: 1, b: [2, 1] } }), base);
  assert.notEqual(paramsDigest('tools/call', { ...PARAMS, name: 'other' }), base);
  assert.equal(paramsDigest('resources/read', { uri: 'a://x', name: 'ignored' }), paramsDigest('resources/read', { uri: 'a://x' }));
  assert.notEqual(paramsDigest('resources/read', { uri: 'a://x' }), paramsDigest('resources/read', { uri: 'a://y' }));
  assert.match(base, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1},"a":[{"d":1,"c":2}]}')), '{"__proto__":{"x":1},"a":[{"c":2,"d":1}],"b":1}');
});

const ask = (method: string, hint?: unknown, extra: Record<string, unknown> = {}) => ({
  method,
  params: { message: 'm', ...extra, ...(hint === undefined ? {} : { _meta: { [INPUT_KEY_HINT]: hint } }) },
});
const keysOf = (asks: ReturnType<typeof ask>[], counts = NO_KEYS) => assignInputKeys(asks, counts).inputs.map((i) => i.key);

const keyRows: [string, ReturnType<typeof ask>[], string[]][] = [
  ['hint used', [ask('elicitation/create', 'user_name')], ['user_name']],
  [
    'defaults per kind',
    [ask('elicitation/create'), ask('sampling/createMessage'), ask('roots/list'), ask('elicitation/create')],
    ['elicitation_1', 'sampling_1', 'roots_1', 'elicitation_2'],
  ],
  ['duplicate hints fall back', [ask('elicitation/create', 'k'), ask('elicitation/create', 'k')], ['elicitation_1', 'elicitation_2']],
  ['a hint taking a default key pushes the default on', [ask('elicitation/create', 'sampling_1'), ask('sampling/createMessage')], ['sampling_1', 'sampling_2']],
  ['empty hint', [ask('roots/list', '')], ['roots_1']],
  ['non-string hint', [ask('roots/list', 12)], ['roots_1']],
  ['__proto__ hint', [ask('roots/list', '__proto__')], ['roots_1']],
  ['hint with a space', [ask('roots/list', 'a b')], ['roots_1']],
  ['hint over 64 characters', [ask('roots/list', 'k'.repeat(65))], ['roots_1']],
];
for (const [name, asks, keys] of keyRows) {
  test(`input keys: ${name}`, () => assert.deepEqual(keysOf(asks), keys));
}

test('input keys: counts carry over rounds; the same asks from scratch (a restart) get the same keys', () => {
  const round1 = assignInputKeys([ask('elicitation/create')], NO_KEYS);
  assert.deepEqual(keysOf([ask('elicitation/create')], round1.counts), ['elicitation_2']);
  const asks = [ask('sampling/createMessage'), ask('elicitation/create', 'user_name'), ask('sampling/createMessage')];
  assert.deepEqual(keysOf(asks), keysOf(asks));
  assert.deepEqual(keysOf(asks), ['sampling_1', 'user_name', 'sampling_2']);
});

test('input keys: the hint and elicitationId leave the client params, other _meta stays, input is not mutated', () => {
  const withMeta = { method: 'elicitation/create', params: { mode: 'url', elicitationId: 'e1', _meta: { [INPUT_KEY_HINT]: 'k', other: 1 } } };
  const before = structuredClone(withMeta);
  const [a, b] = assignInputKeys([withMeta, ask('elicitation/create', 'j')], NO_KEYS).inputs;
  assert.deepEqual(a, {
    key: 'k',
    kind: 'elicitation',
    method: 'elicitation/create',
    params: { mode: 'url', _meta: { other: 1 } },
    elicitationId: 'e1',
    hinted: true,
  });
  assert.deepEqual(b?.params, { message: 'm' });
  assert.deepEqual(withMeta, before);
  assert.equal(inputKindOf('tools/call'), undefined);
  assert.equal(inputKindOf('toString'), undefined);
  assert.throws(() => assignInputKeys([ask('tools/call')], NO_KEYS), TypeError);
});

const answerRows: [InputKind, unknown, boolean][] = [
  ['elicitation', { action: 'accept', content: { name: 'Ada', n: 1, ok: true, tags: ['a'] } }, true],
  ['elicitation', { action: 'decline' }, true],
  ['elicitation', { action: 'ok' }, false],
  ['elicitation', { content: { name: 'x' } }, false],
  ['elicitation', { action: 'accept', content: [] }, false],
  ['elicitation', { action: 'accept', content: { x: { y: 1 } } }, false],
  ['elicitation', 12345, false],
  ['elicitation', null, false],
  ['elicitation', 'accept', false],
  ['elicitation', [{ action: 'accept' }], false],
  ['sampling', { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' }, true],
  ['sampling', { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'tool_use' }], model: 'm', stopReason: 'endTurn' }, true],
  ['sampling', { role: 'system', content: { type: 'text' }, model: 'm' }, false],
  ['sampling', { role: 'user', content: { type: 'text' } }, false],
  ['sampling', { role: 'user', content: [], model: 'm' }, false],
  ['sampling', { role: 'user', content: { text: 'no type' }, model: 'm' }, false],
  ['sampling', { role: 'user', content: { type: 'text' }, model: 'm', stopReason: 3 }, false],
  ['sampling', null, false],
  ['roots', { roots: [] }, true],
  ['roots', { roots: [{ uri: 'file:///a', name: 'a' }] }, true],
  ['roots', { roots: [{ name: 'a' }] }, false],
  ['roots', { roots: [{ uri: 'file:///a', name: 1 }] }, false],
  ['roots', { roots: 'file:///a' }, false],
  ['roots', {}, false],
];
for (const [kind, answer, valid] of answerRows) {
  test(`inputResponses answer: ${kind} ${JSON.stringify(answer)} is ${valid ? 'valid' : 'invalid'}`, () => {
    assert.equal(problemOf(kind, answer) === undefined, valid, problemOf(kind, answer));
  });
}

const pending = new Map<string, InputKind>([
  ['user_name', 'elicitation'],
  ['sampling_1', 'sampling'],
  ['roots_1', 'roots'],
]);

for (const value of [null, [], 'x', 42, true]) {
  test(`inputResponses ${JSON.stringify(value)}: not an object, the whole retry is refused`, () => {
    assert.deepEqual(checkInputResponses(value, pending), { ok: false, reason: 'input_responses_not_object' });
  });
}

test('inputResponses: answered, invalid, missing and unknown keys are told apart', () => {
  const given = JSON.parse('{"user_name":{"action":"accept","content":{"name":"Ada"}},"sampling_1":12345,"extra":1,"__proto__":{}}');
  const r = checkInputResponses(given, pending);
  assert.ok(r.ok);
  assert.deepEqual([...r.answered.keys()], ['user_name']);
  assert.deepEqual(r.invalid, [{ key: 'sampling_1', problem: 'the answer is not an object' }]);
  assert.deepEqual(r.missing, ['roots_1']);
  assert.deepEqual(r.unknown, ['extra', '__proto__']);
  const absent = checkInputResponses(undefined, pending);
  assert.ok(absent.ok);
  assert.deepEqual(absent.missing, ['user_name', 'sampling_1', 'roots_1']);
});
