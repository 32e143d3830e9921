import type { StringPool } from '../../model/string-pool.js';
import { gnttabCmdName, hypercallName, vmexitName } from './event-names.js';

/** Distinct hex payload strings kept for unknown records before we stop interning them. */
const MAX_UNKNOWN_TEXTS = 10000;

/**
 * The str0 string ids the decoder puts on rows: hypercall op names (grant_table_op with its
 * cmd), VMX exit-reason names, TLB-flush reasons and the hex words of unknown records. Small
 * numbers hit typed-array caches: a Map keyed by the decoder's float-typed numbers would box
 * them on every record.
 */
export class RecordStrings {
  readonly cr3: number;
  readonly invlpg: number;
  readonly invlpga: number;
  private readonly opNames = new Map<string, number>();
  private readonly opIds = new Int32Array(64 * 16).fill(-1);
  private readonly exitIds = new Int32Array(256).fill(-1);
  private unknownTexts = 0;

  constructor(private readonly pool: StringPool) {
    this.cr3 = pool.intern('cr3');
    this.invlpg = pool.intern('invlpg');
    this.invlpga = pool.intern('invlpga');
  }

  /** `grant_table_op:copy` for grant_table_op with a cmd (NaN: none), else the op's name. */
  op(op: number, cmd: number): number {
    const small = op < 64 && (cmd !== cmd || cmd < 15);
    const slot = small ? op * 16 + (cmd === cmd ? cmd + 1 : 0) : -1;
    if (small && this.opIds[slot] >= 0) return this.opIds[slot];
    const key = `${op}:${cmd}`;
    let id = this.opNames.get(key);
    if (id === undefined) {
      const base = hypercallName(op);
      id = this.pool.intern(cmd === cmd ? `${base}:${gnttabCmdName(cmd)}` : base);
      this.opNames.set(key, id);
    }
    if (small) this.opIds[slot] = id;
    return id;
  }

  exit(reason: number): number {
    if (reason < 256 && this.exitIds[reason] >= 0) return this.exitIds[reason];
    const id = this.pool.intern(vmexitName(reason));
    if (reason < 256) this.exitIds[reason] = id;
    return id;
  }

  /** Every extra word in hex, for records whose id is unknown (-1 once the cap is reached). */
  unknownWords(words: Uint32Array, x: number, n: number): number {
    if (n === 0 || this.unknownTexts >= MAX_UNKNOWN_TEXTS) return -1;
    this.unknownTexts++;
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(words[x + k].toString(16).padStart(8, '0'));
    return this.pool.intern(out.join(' '));
  }
}
