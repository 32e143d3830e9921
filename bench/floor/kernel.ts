// The floor of xentrace ingestion, measured in WebAssembly (AssemblyScript): the work every
// tool that reads a xentrace capture into time order must do — window demultiplexing, record
// headers and TSCs, an event-id lookup, a switch per record, a k-way merge of the pCPUs by TSC
// with bursts — optionally storing each row into eleven preallocated columns. It is a
// measurement, not part of tracelens: it decodes fewer classes than src/parsers/xentrace (no
// strings, no rare records, no diagnostics), so its time is a lower bound. See README.md.
@external("env", "classify")
declare function classify(id: u32): i32;

const TWO32: f64 = 4294967296.0;
const MAXP: i32 = 256;

// per-pCPU window lists
let winP: usize = 0; let winS: usize = 0; let winE: usize = 0; let nWin: i32 = 0;
// cursors
const curWin = new StaticArray<i32>(MAXP);
const pos = new StaticArray<i32>(MAXP);
const endW = new StaticArray<i32>(MAXP);
const last = new StaticArray<f64>(MAXP);
const dom = new StaticArray<i32>(MAXP);
const vcpu = new StaticArray<i32>(MAXP);
const nextWin = new StaticArray<i32>(65536 * 4);
const heapP = new StaticArray<i32>(MAXP);
const heapK = new StaticArray<f64>(MAXP);
let hsize: i32 = 0;
// id cache
const keys = new StaticArray<u32>(4096);
const vals = new StaticArray<i32>(4096);

let baseHi: f64 = 0; let baseLo: f64 = 0; let haveBase = false;
// output
let oTs: usize = 0; let oCpu: usize = 0; let oKind: usize = 0; let oName: usize = 0; let oDom: usize = 0; let oVcpu: usize = 0;
let oA0: usize = 0; let oA1: usize = 0; let oA2: usize = 0; let oA3: usize = 0; let oStr: usize = 0;
let nOut: i32 = 0;
let nsPerTick: f64 = 1.0 / 2.4;
const kindCount = new StaticArray<f64>(256);

export function alloc(bytes: usize): usize { return heap.alloc(bytes); }

export function setup(inp: usize, nWords: i32, cap: i32): void {
  oTs = heap.alloc(<usize>cap * 8); oA0 = heap.alloc(<usize>cap * 8); oA1 = heap.alloc(<usize>cap * 8);
  oA2 = heap.alloc(<usize>cap * 8); oA3 = heap.alloc(<usize>cap * 8);
  oCpu = heap.alloc(<usize>cap); oKind = heap.alloc(<usize>cap);
  oName = heap.alloc(<usize>cap * 4); oDom = heap.alloc(<usize>cap * 4); oVcpu = heap.alloc(<usize>cap * 4); oStr = heap.alloc(<usize>cap * 4);
  winP = heap.alloc(65536 * 16); winS = heap.alloc(65536 * 16); winE = heap.alloc(65536 * 16);
}

@inline function lookup(id: u32): i32 {
  let slot = (id * 0x9e3779b1) >>> 20;
  while (true) {
    const k = unchecked(keys[slot]);
    if (k == id) return unchecked(vals[slot]);
    if (k == 0) { const v = classify(id); unchecked(keys[slot] = id); unchecked(vals[slot] = v); return v; }
    slot = (slot + 1) & 4095;
  }
}

export function scan(inp: usize, nWords: i32): i32 {
  // windows: cpu_change (0x2001f003, cpu, size) + payload
  let w: i32 = 0; nWin = 0;
  const lastWinOf = new StaticArray<i32>(MAXP);
  for (let p = 0; p < MAXP; p++) { unchecked(lastWinOf[p] = -1); unchecked(curWin[p] = -1); }
  while (w + 3 <= nWords) {
    const h = load<u32>(inp + (<usize>w << 2));
    if (h != 0x2001f003) return -1;
    const cpu = <i32>load<u32>(inp + (<usize>(w + 1) << 2));
    const size = <i32>load<u32>(inp + (<usize>(w + 2) << 2));
    const s = w + 3; const e = min(s + (size >> 2), nWords);
    store<i32>(winP + (<usize>nWin << 2), cpu); store<i32>(winS + (<usize>nWin << 2), s); store<i32>(winE + (<usize>nWin << 2), e);
    unchecked(nextWin[nWin] = -1);
    const lw = unchecked(lastWinOf[cpu]);
    if (lw >= 0) unchecked(nextWin[lw] = nWin); else unchecked(curWin[cpu] = nWin);
    unchecked(lastWinOf[cpu] = nWin);
    nWin++;
    w = e;
  }
  return nWin;
}

@inline function heapPush(p: i32, key: f64): void {
  let i = hsize++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pk = unchecked(heapK[parent]);
    if (pk < key || (pk == key && unchecked(heapP[parent]) < p)) break;
    unchecked(heapP[i] = unchecked(heapP[parent])); unchecked(heapK[i] = pk); i = parent;
  }
  unchecked(heapP[i] = p); unchecked(heapK[i] = key);
}

@inline function siftDown(p: i32, key: f64, size: i32): void {
  let i = 0;
  while (true) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && (unchecked(heapK[child + 1]) < unchecked(heapK[child]) || (unchecked(heapK[child + 1]) == unchecked(heapK[child]) && unchecked(heapP[child + 1]) < unchecked(heapP[child])))) child++;
    if (key < unchecked(heapK[child]) || (key == unchecked(heapK[child]) && p < unchecked(heapP[child]))) break;
    unchecked(heapP[i] = unchecked(heapP[child])); unchecked(heapK[i] = unchecked(heapK[child])); i = child;
  }
  unchecked(heapP[i] = p); unchecked(heapK[i] = key);
}

// advance p's cursor to a record (crossing windows); returns false when p is done
@inline function settle(p: i32): bool {
  while (unchecked(pos[p]) >= unchecked(endW[p])) {
    const wi = unchecked(curWin[p]);
    const nx = wi < 0 ? -1 : unchecked(nextWin[wi]);
    if (nx < 0) { unchecked(curWin[p] = -1); return false; }
    unchecked(curWin[p] = nx);
    unchecked(pos[p] = load<i32>(winS + (<usize>nx << 2)));
    unchecked(endW[p] = load<i32>(winE + (<usize>nx << 2)));
  }
  return true;
}

@inline function peekTick(inp: usize, p: i32): f64 {
  const i = unchecked(pos[p]);
  const w = load<u32>(inp + (<usize>i << 2));
  if ((w >>> 31) != 0) {
    if (!haveBase) { baseLo = <f64>load<u32>(inp + (<usize>(i + 1) << 2)); baseHi = <f64>load<u32>(inp + (<usize>(i + 2) << 2)); haveBase = true; }
    return (<f64>load<u32>(inp + (<usize>(i + 2) << 2)) - baseHi) * TWO32 + (<f64>load<u32>(inp + (<usize>(i + 1) << 2)) - baseLo);
  }
  return unchecked(last[p]);
}

export function merge(inp: usize, keep: bool): i32 {
  hsize = 0; nOut = 0;
  for (let p = 0; p < MAXP; p++) {
    unchecked(last[p] = 0); unchecked(dom[p] = -1); unchecked(vcpu[p] = -1);
    const wi = unchecked(curWin[p]);
    if (wi < 0) continue;
    unchecked(pos[p] = load<i32>(winS + (<usize>wi << 2))); unchecked(endW[p] = load<i32>(winE + (<usize>wi << 2)));
    if (settle(p)) heapPush(p, peekTick(inp, p));
  }
  const k = nsPerTick;
  let n = nOut;
  while (hsize > 0) {
    const size = hsize;
    const p = unchecked(heapP[0]);
    let c = 1;
    if (size > 2 && (unchecked(heapK[2]) < unchecked(heapK[1]) || (unchecked(heapK[2]) == unchecked(heapK[1]) && unchecked(heapP[2]) < unchecked(heapP[1])))) c = 2;
    const rt: f64 = size > 1 ? unchecked(heapK[c]) : Infinity;
    const rival: i32 = size > 1 ? unchecked(heapP[c]) : -1;
    let i = unchecked(pos[p]); let e = unchecked(endW[p]);
    let lst = unchecked(last[p]); let d = unchecked(dom[p]); let v = unchecked(vcpu[p]);
    let more = true;
    let nextT: f64 = 0;
    while (true) {
      if (i >= e) {
        unchecked(pos[p] = i);
        if (!settle(p)) { more = false; break; }
        i = unchecked(pos[p]); e = unchecked(endW[p]);
      }
      const w = load<u32>(inp + (<usize>i << 2));
      const nw = <i32>((w >>> 28) & 7);
      const tsc = <i32>(w >>> 31);
      let x = i + 1;
      let t = lst;
      if (tsc != 0) {
        t = (<f64>load<u32>(inp + (<usize>(x + 1) << 2)) - baseHi) * TWO32 + (<f64>load<u32>(inp + (<usize>x << 2)) - baseLo);
        x += 2;
      }
      if (!(t < rt || (t == rt && p < rival))) { nextT = t; break; }
      lst = t;
      const id = w & 0x0fffffff;
      const packed = lookup(id);
      const code = packed & 31;
      let a0: f64 = nw > 0 ? <f64>load<u32>(inp + (<usize>x << 2)) : NaN;
      let a1: f64 = nw > 1 ? <f64>load<u32>(inp + (<usize>(x + 1) << 2)) : NaN;
      let a2: f64 = nw > 2 ? <f64>load<u32>(inp + (<usize>(x + 2) << 2)) : NaN;
      let a3: f64 = nw > 3 ? <f64>load<u32>(inp + (<usize>(x + 3) << 2)) : NaN;
      let kind: i32 = 0; let str: i32 = -1;
      switch (code) {
        case 2: // wrap
          i += 1 + (tsc << 1) + nw; continue;
        case 4: { // runstate
          const sd = <i32>(<u32>a0 >>> 16); const sv = <i32>(<u32>a0 & 0xffff);
          kind = 3; a2 = <f64>((id >>> 8) & 0xf); a3 = <f64>((id >>> 4) & 0xf);
          if (a3 == 0) { d = sd; v = sv; }
          a0 = <f64>sd; a1 = <f64>sv; break;
        }
        case 5: kind = 4; if (nw > 0) { d = <i32>(<u32>a0 >>> 16); v = <i32>(<u32>a0 & 0xffff); } break;
        case 6: kind = 5; if (nw > 3) { d = <i32>a2; v = <i32>a3; } break;
        case 8: kind = 6; a0 = NaN; a1 = NaN; a2 = NaN; a3 = NaN; break;
        case 9: kind = 7; a2 = NaN; a3 = NaN; str = <i32>a0; break;
        case 10: kind = 8; a2 = a1; a1 = NaN; a3 = NaN; break;
        case 11: kind = 9; a1 = NaN; a2 = NaN; a3 = NaN; break;
        case 14: kind = 10; a0 = a1; a1 = NaN; str = <i32>a0; break;
        default: kind = 1; a3 = a2; a2 = a1; a1 = a0; a0 = <f64>id;
      }
      const xen = code == 20;
      if (keep) {
      store<f64>(oTs + (<usize>n << 3), Math.round(t * k));
      store<u8>(oCpu + <usize>n, <u8>p);
      store<u8>(oKind + <usize>n, <u8>kind);
      store<i32>(oName + (<usize>n << 2), packed >>> 5);
      store<i32>(oDom + (<usize>n << 2), xen ? 0x7fff : d);
      store<i32>(oVcpu + (<usize>n << 2), xen ? -1 : v);
      store<f64>(oA0 + (<usize>n << 3), a0);
      store<f64>(oA1 + (<usize>n << 3), a1);
      store<f64>(oA2 + (<usize>n << 3), a2);
      store<f64>(oA3 + (<usize>n << 3), a3);
      store<i32>(oStr + (<usize>n << 2), str);
      }
      unchecked(kindCount[kind] += 1);
      n++;
      i += 1 + (tsc << 1) + nw;
    }
    unchecked(pos[p] = i); unchecked(last[p] = lst); unchecked(dom[p] = d); unchecked(vcpu[p] = v);
    if (more) siftDown(p, nextT, size);
    else { hsize = size - 1; siftDown(unchecked(heapP[size - 1]), unchecked(heapK[size - 1]), size - 1); }
  }
  nOut = n;
  return n;
}

export function outTs(): usize { return oTs; }
export function pretouch(cap: i32): void {
  memory.fill(oTs, 0, <usize>cap * 8); memory.fill(oA0, 0, <usize>cap * 8); memory.fill(oA1, 0, <usize>cap * 8);
  memory.fill(oA2, 0, <usize>cap * 8); memory.fill(oA3, 0, <usize>cap * 8); memory.fill(oCpu, 0, <usize>cap); memory.fill(oKind, 0, <usize>cap);
  memory.fill(oName, 0, <usize>cap * 4); memory.fill(oDom, 0, <usize>cap * 4); memory.fill(oVcpu, 0, <usize>cap * 4); memory.fill(oStr, 0, <usize>cap * 4);
}
