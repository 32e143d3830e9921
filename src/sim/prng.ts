/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna) seeded through splitmix32.
 * Written here rather than imported so a run is reproducible from its seed alone, on any
 * Node version, and so separate concerns (the model, the sample phases of a writer) can
 * draw from independent streams without disturbing each other.
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = NaN;

  constructor(seed: number, stream = 0) {
    // splitmix32 spreads a small integer seed over all 128 bits of state.
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Marsaglia polar method; the second value is kept for the next call). */
  normal(): number {
    if (this.spare === this.spare) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.float() * 2 - 1;
      v = this.float() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /**
   * A cost of mean `ns` with coefficient of variation `cv`, as an integer ns. Work times
   * on real CPUs are skewed right (cache misses, interrupts), so a log-normal is used.
   * (Hot paths use a JitterTable, which draws from the same distribution without log/exp.)
   */
  jitter(ns: number, cv: number): number {
    if (cv <= 0 || ns <= 0) return Math.round(ns);
    const sigma2 = Math.log(1 + cv * cv);
    const x = Math.exp(Math.sqrt(sigma2) * this.normal() - sigma2 / 2);
    return Math.max(1, Math.round(ns * x));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Log-normal multipliers of mean 1 and a fixed coefficient of variation at 4096 evenly spaced
 * quantiles: one table lookup per cost instead of a normal draw, a log and an exp. The model
 * draws a few dozen costs per packet, so this is a third of its time saved.
 */
export class JitterTable {
  private readonly mult = new Float64Array(4096);

  constructor(
    private readonly rng: Prng,
    cv: number,
  ) {
    const sigma2 = Math.log(1 + cv * cv);
    const sigma = Math.sqrt(sigma2);
    for (let i = 0; i < 4096; i++) this.mult[i] = cv <= 0 ? 1 : Math.exp(sigma * inverseNormal((i + 0.5) / 4096) - sigma2 / 2);
    // Renormalise so the table's mean is exactly 1 (the quantile grid is a little off in the tails).
    const mean = this.mult.reduce((a, b) => a + b, 0) / 4096;
    for (let i = 0; i < 4096; i++) this.mult[i] /= mean;
  }

  cost(ns: number): number {
    return ns <= 0 ? 0 : Math.max(1, Math.round(ns * this.mult[this.rng.u32() >>> 20]));
  }
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
