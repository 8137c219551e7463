/**
 * Worker thread of `dynsim sweep --jobs N` (bundled as dist/sweep-worker.js): receives one
 * point's run options at a time, runs the simulation and replies with its metrics or error.
 */
import { parentPort } from 'node:worker_threads';
import { runPoint, type WorkerReply, type WorkerRequest } from './sweep.js';

const port = parentPort;
if (!port) throw new Error('dynsim sweep-worker runs only as a worker thread');
port.on('message', (m: WorkerRequest) => {
  void runPoint(m.options).then((outcome) => port.postMessage({ id: m.id, outcome } satisfies WorkerReply));
});
