import { DOMAIN_HYPERVISOR } from '../../model/schema.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { SummarySection } from './section.js';
import { int, pct } from './section.js';

/**
 * opreport (xenoprof) inputs: samples per event, images ranked with the Xen domain each maps
 * to, and the top symbols per image with the hypervisor first — the view a Xen engineer reads an
 * opreport for. Counts are kept per event: summing LLC_MISSES with LLC_REFS means nothing.
 * Image-summary rows have no symbol (their frame is image, image), so only images profiled with
 * `-l` list symbols.
 */

const TOP_IMAGES = 10;
const TOP_SYMBOL_IMAGES = 5;
const TOP_SYMBOLS = 5;

type ByEvent = Map<string, number>;

interface ImageStats {
  image: string;
  domain: number;
  samples: ByEvent;
  symbols: Map<string, ByEvent>;
}

interface OpreportStats {
  events: [string, number][];
  images: ImageStats[];
}

function add(m: ByEvent, event: string, n: number): void {
  m.set(event, (m.get(event) ?? 0) + n);
}

export function domainLabel(domain: number): string {
  if (domain === DOMAIN_HYPERVISOR) return 'hypervisor';
  return domain >= 0 ? `dom${domain}` : 'unknown';
}

/** Per-event totals and per-image (leaf frame) counts; images by the first event's samples. */
function collect(model: TraceModel): OpreportStats {
  const events = new Map<string, number>();
  const images = new Map<string, ImageStats>();
  const s = model.samples;
  for (let i = 0; i < s.weight.length; i++) {
    const event = model.str(s.event[i]);
    const w = s.weight[i];
    add(events, event, w);
    if (s.stack[i] < 0) continue;
    const frame = model.stacks.frame[s.stack[i]];
    const image = model.str(model.frames.module[frame]);
    const func = model.str(model.frames.func[frame]);
    let st = images.get(image);
    if (st === undefined) images.set(image, (st = { image, domain: s.domain[i], samples: new Map(), symbols: new Map() }));
    add(st.samples, event, w);
    if (func !== image) {
      let sym = st.symbols.get(func);
      if (sym === undefined) st.symbols.set(func, (sym = new Map()));
      add(sym, event, w);
    }
  }
  const order = [...events.keys()];
  const rank = (a: ByEvent, b: ByEvent) => {
    for (const e of order) if ((b.get(e) ?? 0) !== (a.get(e) ?? 0)) return (b.get(e) ?? 0) - (a.get(e) ?? 0);
    return 0;
  };
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const ranked = [...images.values()].sort((a, b) => rank(a.samples, b.samples) || byName(a.image, b.image));
  for (const im of ranked) im.symbols = new Map([...im.symbols].sort((a, b) => rank(a[1], b[1]) || byName(a[0], b[0])));
  return { events: [...events], images: ranked };
}

/** Images that list symbols, hypervisor first, then by samples. */
function symbolImages(stats: OpreportStats): ImageStats[] {
  const withSymbols = stats.images.filter((im) => im.symbols.size > 0);
  const hyper = withSymbols.filter((im) => im.domain === DOMAIN_HYPERVISOR);
  return [...hyper, ...withSymbols.filter((im) => im.domain !== DOMAIN_HYPERVISOR)].slice(0, TOP_SYMBOL_IMAGES);
}

const cells = (stats: OpreportStats, m: ByEvent) =>
  stats.events.map(([e, total]) => `${int(m.get(e) ?? 0).padStart(10)} ${pct(m.get(e) ?? 0, total)}`).join('');

export const opreportSection: SummarySection = {
  id: 'opreport',
  applies: (model) => model.meta.format === 'xenoprof' && model.sampleCount > 0,
  text(model) {
    const stats = collect(model);
    const h = model.meta.header;
    const out = [`opreport: ${stats.events.map(([e, n]) => `${e} ${int(n)} samples`).join(' · ')}${h.CPU ? `  (CPU: ${h.CPU})` : ''}`];
    if (h['xenoprof local images']) out.push(`  kernel and user images → ${h['xenoprof local images']}`);
    const heading = (e: string) => (e.length > 16 ? `${e.slice(0, 15)}…` : e).padStart(17);
    out.push('', 'Images by samples:', `  ${stats.events.map(([e]) => heading(e)).join('')}  domain      image`);
    for (const im of stats.images.slice(0, TOP_IMAGES)) out.push(`  ${cells(stats, im.samples)}  ${domainLabel(im.domain).padEnd(10)}  ${im.image}`);
    if (stats.images.length > TOP_IMAGES) out.push(`  … ${stats.images.length - TOP_IMAGES} more images`);
    const withSymbols = symbolImages(stats);
    if (withSymbols.length > 0) out.push('', 'Top symbols per image (hypervisor first; shares of each event’s total):');
    for (const im of withSymbols) {
      out.push(`  ${im.image} [${domainLabel(im.domain)}]`);
      for (const [sym, m] of [...im.symbols].slice(0, TOP_SYMBOLS)) out.push(`  ${cells(stats, m)}  ${sym}`);
    }
    return out;
  },
  json(model) {
    const stats = collect(model);
    const counts = (m: ByEvent) => Object.fromEntries(stats.events.map(([e]) => [e, m.get(e) ?? 0]));
    return {
      cpu: model.meta.header.CPU ?? null,
      local_images_domain: model.meta.header['xenoprof local images'] ?? null,
      events: stats.events.map(([event, samples]) => ({ event, samples })),
      images: stats.images.slice(0, TOP_IMAGES).map((im) => ({ image: im.image, domain: im.domain, domain_label: domainLabel(im.domain), samples: counts(im.samples) })),
      symbols: symbolImages(stats).map((im) => ({
        image: im.image,
        domain: im.domain,
        domain_label: domainLabel(im.domain),
        top: [...im.symbols].slice(0, TOP_SYMBOLS).map(([symbol, m]) => ({ symbol, samples: counts(m) })),
      })),
    };
  },
};
