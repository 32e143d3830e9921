import type { TraceModel } from '../../model/trace-model.js';
import type { TraceFacts } from '../../detectors/trace-facts.js';
import type { ChartSpec } from './chart.js';
import { BASE_LAYOUT, MAX_POINTS, PALETTE, round } from './chart.js';
import { plotText } from './escape.js';

/**
 * A flame chart of the top stacks, drawn as horizontal bars (x = sample weight, base = offset,
 * y = depth, root at the bottom): the cartesian plotly bundle has no icicle trace. Only the
 * heaviest stacks are merged into the tree and frames thinner than 1/1000 of the total are
 * dropped, so the figure stays at most MAX_POINTS bars on any profile.
 */
const TOP_STACKS = 300;

interface Node {
  name: string;
  weight: number;
  children: Map<string, Node>;
}

export function flameChart(model: TraceModel, facts: TraceFacts, prefix: string): ChartSpec {
  const spec: ChartSpec = { id: `${prefix}-flame`, title: 'Profile: top stacks (flame chart, root at the bottom)' };
  const s = model.samples;
  const perStack = new Float64Array(model.stacks.parent.length);
  let total = 0;
  for (let i = 0; i < s.stack.length; i++) {
    if (facts.sampleEvent >= 0 && s.event[i] !== facts.sampleEvent) continue;
    total += s.weight[i];
    if (s.stack[i] >= 0) perStack[s.stack[i]] += s.weight[i];
  }
  if (total === 0) return { ...spec, note: 'No profile samples in this input.' };
  // Heaviest stack ids first; ties by id, which the parser assigns deterministically.
  const ids: number[] = [];
  for (let st = 0; st < perStack.length; st++) if (perStack[st] > 0) ids.push(st);
  ids.sort((a, b) => perStack[b] - perStack[a] || a - b);
  const root: Node = { name: 'all', weight: 0, children: new Map() };
  for (const st of ids.slice(0, TOP_STACKS)) {
    const w = perStack[st];
    root.weight += w;
    let node = root;
    for (const func of model.stackFuncs(st).reverse()) {
      let child = node.children.get(func);
      if (child === undefined) node.children.set(func, (child = { name: func, weight: 0, children: new Map() }));
      child.weight += w;
      node = child;
    }
  }
  const bars = { x: [] as number[], base: [] as number[], y: [] as number[], text: [] as string[], hover: [] as string[], color: [] as string[] };
  const minWeight = root.weight / 1000;
  // Iterative DFS: deep kernel stacks would otherwise recurse hundreds of levels per path.
  const stack: { node: Node; depth: number; offset: number }[] = [{ node: root, depth: 0, offset: 0 }];
  let maxDepth = 0;
  while (stack.length > 0 && bars.x.length < MAX_POINTS) {
    const { node, depth, offset } = stack.pop()!;
    const share = node.weight / root.weight;
    bars.x.push(round(share, 6));
    bars.base.push(round(offset / root.weight, 6));
    bars.y.push(depth);
    // Labels sized to the bar (about 110 characters span the plot), so plotly never shrinks them.
    const room = Math.floor(share * 110);
    bars.text.push(room >= 4 ? plotText(node.name.length > room ? `${node.name.slice(0, room - 1)}…` : node.name) : '');
    bars.hover.push(plotText(`${node.name}: ${(share * 100).toFixed(2)}% of the top ${Math.min(ids.length, TOP_STACKS)} stacks (${round(node.weight, 2)} samples)`));
    bars.color.push(depth === 0 ? '#bab0ac' : PALETTE[hash(node.name) % 6]);
    if (depth > maxDepth) maxDepth = depth;
    const children = [...node.children.values()].filter((c) => c.weight >= minWeight).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let at = offset;
    const placed = children.map((c) => {
      const p = { node: c, depth: depth + 1, offset: at };
      at += c.weight;
      return p;
    });
    stack.push(...placed.reverse());
  }
  return {
    ...spec,
    data: [{ type: 'bar', orientation: 'h', x: bars.x, base: bars.base, y: bars.y, text: bars.text, textposition: 'inside', insidetextanchor: 'start', textfont: { size: 11 }, hovertext: bars.hover, hoverinfo: 'text', marker: { color: bars.color, line: { color: '#ffffff', width: 0.5 } } }],
    layout: { ...BASE_LAYOUT, height: Math.min(900, 120 + (maxDepth + 1) * 20), bargap: 0.05, showlegend: false, margin: { ...BASE_LAYOUT.margin, l: 40 }, xaxis: { range: [0, 1], tickformat: '.0%', title: { text: 'share of samples' } }, yaxis: { title: { text: 'depth' }, dtick: 1 } },
  };
}

/** A stable small hash for colouring a frame the same way everywhere. */
function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}
