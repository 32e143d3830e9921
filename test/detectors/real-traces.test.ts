import { describe, expect, it } from 'vitest';
import type { DetectorFinding } from '../../src/detectors/registry.js';
import { DETECTORS, runDetector } from '../../src/detectors/registry.js';
import type { TraceModel } from '../../src/model/trace-model.js';
import { loadTrace } from '../../src/parsers/index.js';
import { ownTrace } from '../helpers.js';

/**
 * Real captures from this VM (traces/detectors/README.md has how each was made and its
 * ground truth, measured outside tracelens). Each workload was recorded by perf and by
 * ftrace at the same time, so both files must give the same findings: same detector and
 * subject, shares and per-call ratios within 5%.
 */
const models = new Map<string, TraceModel>();
async function model(name: string): Promise<TraceModel> {
  let m = models.get(name);
  if (m === undefined) models.set(name, (m = await loadTrace(ownTrace('detectors', name))));
  return m;
}

async function findings(file: string, detector: string): Promise<DetectorFinding[]> {
  const d = DETECTORS.find((x) => x.id === detector);
  if (d === undefined) throw new Error(detector);
  const r = runDetector(d, await model(file));
  if ('skipped' in r) throw new Error(`${detector} skipped on ${file}: ${r.skipped}`);
  return r.findings;
}

const within = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));
const BOTH = ['perf.txt', 'trace.txt'];

describe('irq-pinned on a real block-device IRQ (virtio1-req.0 → CPU 1)', () => {
  it.each(BOTH)('irq-block.%s names IRQ 36 virtio1-req.0 on CPU 1 with share ≥ 0.95', async (ext) => {
    const [f, ...rest] = await findings(`irq-block.${ext}`, 'irq-pinned');
    // /proc/interrupts inside the window: IRQ 36 +403 on CPU1, +0 on CPU0.
    expect(f.metrics).toMatchObject({ irq: 'virtio1-req.0', irq_number: 36, cpu: 1 });
    expect(f.metrics.share as number).toBeGreaterThanOrEqual(0.95);
    expect(f.metrics.events as number).toBeGreaterThanOrEqual(395);
    expect(f.metrics.events as number).toBeLessThanOrEqual(410);
    expect(rest.every((r) => r.metrics.irq !== 'virtio1-req.0')).toBe(true);
    expect(f.recommendation).toMatch(/\/proc\/irq\/36\/smp_affinity/);
  });

  it('perf and ftrace agree', async () => {
    const [p] = await findings('irq-block.perf.txt', 'irq-pinned');
    const [t] = await findings('irq-block.trace.txt', 'irq-pinned');
    expect([p.metrics.irq, p.metrics.cpu]).toEqual([t.metrics.irq, t.metrics.cpu]);
    expect(within(p.metrics.share as number, t.metrics.share as number, 0.05)).toBe(true);
  });
});

describe('tlb-per-syscall on real madvise and getpid/read loops', () => {
  it.each(BOTH)('tlb-madvise.%s: ≈1 flush per call for tl_madvise, as ordinary mm shootdowns', async (ext) => {
    const all = await findings(`tlb-madvise.${ext}`, 'tlb-per-syscall');
    const f = all.find((x) => String(x.metrics.task).startsWith('tl_madvise'));
    expect(f).toBeDefined();
    // Ground truth: 3000 madvise calls (self-count and strace -c); perf stat: 3013 flushes per run.
    expect(f!.metrics.flushes_per_syscall as number).toBeGreaterThan(0.9);
    expect(f!.metrics.flushes_per_syscall as number).toBeLessThan(1.1);
    expect(f!.metrics.pattern).toBe('mm-shootdown');
    expect(f!.severity).toBe('info');
    const madvise = (f!.evidence.per_syscall as { syscall: string; calls: number; flushes: number }[]).find((r) => r.syscall === 'madvise');
    expect(madvise).toMatchObject({ calls: 3000, flushes: 3000 });
  });

  it.each(BOTH)('tlb-getpid-read.%s: no TLB finding', async (ext) => {
    expect(await findings(`tlb-getpid-read.${ext}`, 'tlb-per-syscall')).toEqual([]);
  });

  it('perf and ftrace agree', async () => {
    const pick = async (f: string) => (await findings(f, 'tlb-per-syscall')).find((x) => String(x.metrics.task).startsWith('tl_madvise'))!;
    const p = await pick('tlb-madvise.perf.txt');
    const t = await pick('tlb-madvise.trace.txt');
    expect(p.metrics.task).toBe(t.metrics.task);
    expect(within(p.metrics.flushes_per_syscall as number, t.metrics.flushes_per_syscall as number, 0.05)).toBe(true);
  });
});

describe('hot-lock on real mmap/munmap threads and a single-thread control', () => {
  it.each(BOTH)('lock-mmap-threads.%s names mm->mmap_lock', async (ext) => {
    const [f] = await findings(`lock-mmap-threads.${ext}`, 'hot-lock');
    // perf lock contention on the same data: __vm_munmap 243.11 ms + vm_mmap_pgoff 120.29 ms
    // + lock_mm_and_find_vma 63.25 ms, all rwsem = the process's mmap_lock.
    expect(f.metrics).toMatchObject({ lock: 'mm->mmap_lock', lock_type: 'rwsem' });
    expect(f.metrics.share as number).toBeGreaterThan(0.95);
    expect(within(f.metrics.wait_ns_total as number, 426.65e6, 0.01)).toBe(true);
    expect((f.evidence.callers as { caller: string }[]).map((c) => c.caller).slice(0, 3)).toEqual(['__vm_munmap', 'vm_mmap_pgoff', 'lock_mm_and_find_vma']);
    expect(f.severity).not.toBe('info');
  });

  it.each(BOTH)('lock-single.%s: no lock finding', async (ext) => {
    expect(await findings(`lock-single.${ext}`, 'hot-lock')).toEqual([]);
  });

  it('perf and ftrace agree', async () => {
    const [p] = await findings('lock-mmap-threads.perf.txt', 'hot-lock');
    const [t] = await findings('lock-mmap-threads.trace.txt', 'hot-lock');
    expect(p.metrics.lock).toBe(t.metrics.lock);
    expect(within(p.metrics.share as number, t.metrics.share as number, 0.05)).toBe(true);
  });
});

describe('every capture: same detectors fire in perf and ftrace', () => {
  it.each(['irq-block', 'tlb-madvise', 'tlb-getpid-read', 'lock-mmap-threads', 'lock-single'])('%s', async (name) => {
    const summary = async (file: string) => {
      const m = await model(file);
      return DETECTORS.map((d) => {
        const r = runDetector(d, m);
        return 'skipped' in r ? `${d.id}: skipped` : `${d.id}: ${r.findings.map((f) => `${f.severity} ${f.metrics.irq ?? f.metrics.task ?? f.metrics.lock ?? f.metrics.queue ?? ''}`).join(', ')}`;
      });
    };
    expect(await summary(`${name}.perf.txt`)).toEqual(await summary(`${name}.trace.txt`));
  });
});
