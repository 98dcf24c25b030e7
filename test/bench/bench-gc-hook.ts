// Preloaded (node --import <this file>) into the processes whose idle memory the bench reads: on
// SIGUSR2 it has V8 run the collection it runs under memory pressure (the inspector's
// HeapProfiler.collectGarbage: garbage freed and the freed pages given back), then prints
// {"benchGc": <count>} on stdout.
// Without it a PSS reading holds whatever garbage the session handshakes left, and when V8's memory
// reducer collects it varies from 8 to 30 s after the last busy spell: the same build read twice
// differed by 10 KB per session. A plain gc() (--expose-gc) frees the garbage but keeps the young
// generation's pages, which PSS still counts. With this the readings hold the live sessions.
// The inspector session is in-process (no port is opened) and runs on a worker thread: posted from
// the main thread itself, the call never returned on Node 20 (the thread blocked, waiting for an
// answer that a task of that same thread was to send).
// The proxy does not use SIGUSR2; Node's default for it would end the process, so a hook that did
// not load shows as a process that exited, not as a wrong figure.
import { Worker } from 'node:worker_threads';

const COLLECT = `
const { Session } = require('node:inspector');
const { parentPort } = require('node:worker_threads');
const session = new Session();
session.connectToMainThread();
// A pending inspector call does not keep a thread alive.
const alive = setTimeout(() => parentPort.postMessage('no answer within 10 s'), 10000);
session.post('HeapProfiler.collectGarbage', (err) => {
  clearTimeout(alive);
  session.disconnect();
  parentPort.postMessage(err ? err.message : null);
});
`;

function install(): void {
  let count = 0;
  process.on('SIGUSR2', () => {
    let error: string | null = 'the worker ended without an answer';
    const worker = new Worker(COLLECT, { eval: true });
    worker.once('message', (m: string | null) => (error = m));
    worker.once('error', (e) => (error = e.message));
    // Acknowledged once the worker is gone too: its own memory is not part of the reading.
    worker.once('exit', () => {
      count++;
      process.stdout.write(`${JSON.stringify({ benchGc: count, error })}\n`);
    });
  });
}

install();
