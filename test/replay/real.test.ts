import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrace } from '../../src/parsers/index.js';
import type { QueueReplay } from '../../src/replay/index.js';
import { REPLAY_SCHEMA, replayDocument, replayQueues } from '../../src/replay/index.js';
import { CLI, ownTrace } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tracelens-replay-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args]);
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** In-flight counts never below zero, and every accepted item either completed or listed. */
function conserved(r: QueueReplay): void {
  for (const q of r.queues) {
    expect(Math.min(0, ...q.occupancy.value), q.name).toBe(0);
    const live = q.unmatched.filter((u) => u.stage === 'in-ring' || u.stage === 'issued').length;
    expect(q.accepted, q.name).toBe(q.completed + live);
  }
}

describe('replay on real captures (loopback TCP, traces/)', () => {
  it('perf script: lo has matched consume_skb, in-flight never negative, the rest reported', async () => {
    const r = replayQueues(await loadTrace(ownTrace('perf-script', 'tracepoints.perf.txt')));
    conserved(r);
    const doc = replayDocument(r);
    expect(doc.queues.map((q) => q.queue)).toEqual(['lo']);
    const lo = doc.queues[0];
    expect(lo.accepted).toBe(409); // one per net_dev_xmit rc=0
    expect(lo.completed).toBeGreaterThan(250);
    expect(lo.unmatched).toBe(lo.accepted - lo.completed);
    expect(lo.unmatched_items).toHaveLength(lo.unmatched);
    expect(lo.stalls).toBe(0);
    expect(lo.throughput_per_s).toBeGreaterThan(0);
  });

  it('ftrace: lo-q0 from net_dev_start_xmit; no consume_skb traced, so every item is reported unmatched', async () => {
    const r = replayQueues(await loadTrace(ownTrace('ftrace', 'events.trace.txt')));
    conserved(r);
    const [q] = replayDocument(r).queues;
    expect(q.queue).toBe('lo-q0');
    expect(q.completed).toBe(0);
    expect(q.unmatched).toBe(208);
    // Reused addresses close the old item; those still in the ring at the end are the rest.
    const atEnd = q.unmatched_items.filter((u) => u.reason === 'not completed by the end of the trace').length;
    expect(atEnd).toBe(r.queues[0].occupancy.current);
  });

  it('block, real virtio-blk capture: every completion matched (flushes too), the kernel\'s write count agrees', async () => {
    const path = ownTrace('replay', 'block-dd.trace.txt.gz');
    const r = replayQueues(await loadTrace(path));
    conserved(r);
    const text = gunzipSync(readFileSync(path)).toString();
    const completes = [...text.matchAll(/block_rq_complete: 254,0 (\S+) /g)].map((m) => m[1]);
    const [q] = replayDocument(r).queues;
    expect(q.queue).toBe('block 254,0');
    expect(q.completed).toBe(completes.length);
    expect(r.foreignCompletions).toBe(0);
    expect(q.unmatched).toBe(q.accepted - q.completed);
    // /proc/diskstats of vda over the same window (traces/replay/block-dd.truth.txt): 701 writes completed.
    const truth = readFileSync(ownTrace('replay', 'block-dd.truth.txt'), 'utf8');
    const writes = Number(/writes completed (\d+)/.exec(truth)?.[1]);
    expect(completes.filter((op) => op.startsWith('W')).length).toBe(writes);
    expect(completes.filter((op) => op === 'FF')).toHaveLength(1);
    // Completions per interrupt: the virtio-blk IRQ handler completes them, so batches ≈ its IRQs.
    const irqs = (text.match(/irq_handler_entry: irq=\d+ name=virtio1-req/g) ?? []).length;
    const batches = q.completed / (q.completions_per_batch as number);
    expect(Math.abs(batches - irqs) / irqs).toBeLessThan(0.02);
  });

  it('block: issue → complete by (device, sector); insert+issue counted once; orphans are foreign', async () => {
    const lines = [
      '# tracer: nop',
      '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
      '              dd-100     [000] .....   10.000100: block_rq_insert: 8,0 W 4096 () 2048 + 8 [dd]',
      '              dd-100     [000] .....   10.000110: block_rq_issue: 8,0 W 4096 () 2048 + 8 [dd]',
      '              dd-100     [000] .....   10.000120: block_rq_issue: 8,0 W 4096 () 4096 + 8 [dd]',
      '          <idle>-0       [001] d.h1.   10.000500: block_rq_complete: 8,0 W () 2048 + 8 [0]',
      '          <idle>-0       [001] d.h1.   10.000600: block_rq_complete: 8,0 W () 9999 + 8 [0]',
      '              dd-100     [000] .....   10.000700: block_rq_issue: 8,0 W 4096 () 8192 + 8 [dd]',
      '          <idle>-0       [001] d.h1.   10.000900: block_rq_complete: 8,0 W () 8192 + 8 [0]',
    ];
    const path = join(dir, 'block.trace.txt');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const r = replayQueues(await loadTrace(path));
    conserved(r);
    const doc = replayDocument(r);
    expect(doc.foreign_completions).toBe(1);
    expect(doc.queues).toHaveLength(1);
    const q = doc.queues[0];
    expect(q).toMatchObject({ queue: 'block 8,0', kind: 'block', accepted: 3, completed: 2, max_occupancy: 2, unmatched: 1 });
    expect(q.unmatched_items[0]).toMatchObject({ id: 'sector 4096', stage: 'issued' });
  });
});

describe('tracelens replay', () => {
  const trace = ownTrace('perf-script', 'tracepoints.perf.txt');

  it('prints the per-queue table and lists unmatched items', () => {
    const r = run(['replay', trace]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^queue +kind +cap +max occ/);
    expect(r.stdout).toMatch(/\nlo +net /);
    expect(r.stdout).toMatch(/lo: \d+ unmatched item/);
  });

  it('--json writes tracelens.replay/v1 atomically; same input twice gives identical bytes', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect(run(['replay', trace, '--json', a, '-q']).code).toBe(0);
    expect(run(['replay', trace, '--json', b, '-q', '--queue', 'lo']).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    expect(doc.schema).toBe(REPLAY_SCHEMA);
    expect(Object.keys(doc.queues[0]).slice(0, 8)).toEqual(['queue', 'capacity', 'max_occupancy', 'stalled_fraction', 'stalls', 'p99_stall_ns', 'throughput_per_s', 'unmatched']);
    expect(doc.whatif).toEqual([]);
  });

  it('exit 2 for an unknown queue or an unreadable file, naming it', () => {
    const q = run(['replay', trace, '--queue', 'eth9']);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('no queue "eth9"; queues: lo');
    const missing = run(['replay', join(dir, 'missing.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.txt');
  });
});
