// Reproduces the attacks of issue 8 against the built proxy, on loopback, and prints one table:
// attack, what was measured, figure. Each attack starts its own fixture and proxy and stops them by
// pid; each is bounded in count and time. Run it on the old and the new code for the before/after
// table.
//
//   npm run attacks                    (builds, then node dist/test/bench/attacks.js)
//   node dist/test/bench/attacks.js [--hold-seconds 25] [--flood-seconds 10] [--flood-mb 100]
//        [--event-mb 100] [--endless-mb 128] [--only name,name] [--out file.md]
//
// This is a measurement, not a test: it exits 0 whatever the figures say (1 if an attack crashed).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stopAll } from '../helpers/process.js';
import { within, type Attack, type AttackOptions, type Row } from './attack-stack.js';
import { renderTable } from './attack-table.js';
import { forwardedPrefix, metricsOrigin, rebinding, secrets } from './attacks-network.js';
import { bigEvent, endlessEvent, stalledBodies, unreadStream } from './attacks-memory.js';
import { hostileSockets, initializeFlood } from './attacks-sockets.js';
import { deepJson, htmlError, neverAnswered, postAnswer, sigtermDrain } from './attacks-faults.js';

const ATTACKS: Attack[] = [
  rebinding,
  metricsOrigin,
  forwardedPrefix,
  unreadStream,
  bigEvent,
  endlessEvent,
  hostileSockets,
  stalledBodies,
  initializeFlood,
  neverAnswered,
  deepJson,
  htmlError,
  postAnswer,
  secrets,
  sigtermDrain,
];

/** No single attack may take longer than this (its processes are stopped either way). */
const ATTACK_BUDGET_MS = 180_000;

const { values } = parseArgs({
  options: {
    'hold-seconds': { type: 'string', default: '25' },
    'flood-seconds': { type: 'string', default: '10' },
    'flood-mb': { type: 'string', default: '100' },
    'event-mb': { type: 'string', default: '100' },
    'endless-mb': { type: 'string', default: '128' },
    only: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

const opts: AttackOptions = {
  holdSeconds: Number(values['hold-seconds']),
  floodSeconds: Number(values['flood-seconds']),
  floodMb: Number(values['flood-mb']),
  eventMb: Number(values['event-mb']),
  endlessMb: Number(values['endless-mb']),
};
const only = values.only?.split(',').map((s) => s.trim());
const selected = only ? ATTACKS.filter((a) => only.includes(a.name)) : ATTACKS;

const rows: Row[] = [];
let crashed = false;
const startedAll = Date.now();
for (const attack of selected) {
  const started = Date.now();
  process.stderr.write(`attack ${attack.name}… `);
  try {
    const result = await within(attack.run(opts), ATTACK_BUDGET_MS);
    if (result === 'timeout') rows.push({ attack: attack.name, measured: '-', figure: `did not finish within ${ATTACK_BUDGET_MS / 1000} s` });
    else rows.push(...result);
  } catch (e) {
    crashed = true;
    rows.push({ attack: attack.name, measured: '-', figure: `attack failed: ${(e as Error).message.split('\n')[0]}` });
  } finally {
    await stopAll();
  }
  process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const table = renderTable(rows);
console.log(table);
console.log(`\n${selected.length} attacks in ${((Date.now() - startedAll) / 1000).toFixed(0)} s; options ${JSON.stringify(opts)}`);
if (values.out) writeFileSync(values.out, table + '\n');
process.exit(crashed ? 1 : 0);
