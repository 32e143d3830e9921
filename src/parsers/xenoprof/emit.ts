import type { TraceBuilder } from '../../model/builder.js';
import type { ProfileClass } from './header.js';
import { imageDomain, localDomain } from './domains.js';

/**
 * Writes opreport rows into the model as weighted samples (DESIGN §3: weight = the row's count,
 * no time). A frame is (symbol, image); image-summary rows have no symbol, so their frame is
 * (image, image). Local images get their domain at the end, when the whole input has shown
 * whether it is a Xen profile at all (domains.ts).
 */
export class SampleEmitter {
  private readonly localRows: number[] = [];
  private sawXen = false;
  rows = 0;

  constructor(private readonly b: TraceBuilder) {}

  frame(func: string, image: string): number {
    return this.b.stacks.internFrame(this.b.pool.intern(func), this.b.pool.intern(image));
  }

  /** Stack id of `frame` called from `parent` (-1 = a root frame). */
  stack(parent: number, frame: number): number {
    return this.b.stacks.internStack(parent, frame);
  }

  /** One sample row of `weight` samples of `cls` whose leaf frame runs in `image`. */
  emit(stack: number, image: string, cls: ProfileClass, weight: number): void {
    if (!(weight > 0)) return;
    const row = this.b.sample(NaN, cls.cpu, cls.utid, weight, stack, cls.event);
    const where = imageDomain(image);
    if (where.role === 'local') this.localRows.push(row);
    else {
      this.sawXen = true;
      this.b.samples.adaptive.domain.set(row, where.domain);
    }
    this.rows++;
  }

  /** Give local images their domain and say so in the header, since the text never states it. */
  finish(): void {
    const domain = localDomain(this.sawXen);
    const col = this.b.samples.adaptive.domain;
    for (const row of this.localRows) col.set(row, domain);
    if (this.sawXen && this.localRows.length > 0) {
      this.b.meta.header['xenoprof local images'] = 'dom0 (assumed: the report shows Xen images, and the xenoprof daemon runs in dom0)';
    }
  }
}

/**
 * Split `total` samples over parts in proportion to `weights`, in integers that add up to
 * `total` exactly (largest remainder; ties to the earlier part, so the result is deterministic).
 */
export function splitProportionally(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, p) => a + p, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0 && k < order.length; k++, left--) parts[order[k][1]]++;
  return parts;
}
