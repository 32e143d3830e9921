/**
 * A small XML reader and the common JUnit schema's structural rules (Jenkins junit-10.xsd:
 * required elements and attributes, allowed children and attributes), so the JUnit output
 * is checked on every machine, with or without xmllint.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: number): string {
  if (/[<]/.test(s)) throw new Error(`raw < at ${where}`);
  return s.replace(/&([^;]*);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity at ${where}`);
    if (name in ENTITY) return ENTITY[name];
    const num = /^#(\d+)$/.exec(name) ?? /^#x([0-9a-f]+)$/i.exec(name);
    if (num) return String.fromCodePoint(parseInt(num[1], name[1] === 'x' ? 16 : 10));
    throw new Error(`unknown entity &${name}; at ${where}`);
  });
}

export function parseXml(xml: string): XmlNode {
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')) throw new Error('missing XML declaration');
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml)) throw new Error('control character not allowed in XML 1.0');
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<(\/?)([a-zA-Z-]+)((?:\s+[a-zA-Z-]+="[^"]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = xml.indexOf('\n') + 1;
  tag.lastIndex = at;
  while (at < xml.length) {
    const m = tag.exec(xml);
    if (m === null) throw new Error(`malformed XML at ${at}: ${xml.slice(at, at + 40)}`);
    at = tag.lastIndex;
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) {
      top.text += decode(m[5], m.index);
    } else if (m[1] === '/') {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const a of m[3].matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) {
        if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2], m.index);
      }
      const node: XmlNode = { name: m[2], attrs, children: [], text: '' };
      top.children.push(node);
      if (m[4] !== '/') stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new Error('expected one root element');
  return elements[0];
}

interface Rule {
  required: string[];
  optional: string[];
  children: string[];
}

const RULES: Record<string, Rule> = {
  testsuites: { required: [], optional: ['name', 'time', 'tests', 'failures', 'disabled', 'errors'], children: ['testsuite'] },
  testsuite: {
    required: ['name', 'tests'],
    optional: ['failures', 'errors', 'time', 'disabled', 'skipped', 'timestamp', 'hostname', 'id', 'package'],
    children: ['properties', 'testcase', 'system-out', 'system-err'],
  },
  testcase: { required: ['name'], optional: ['assertions', 'time', 'classname', 'status'], children: ['skipped', 'error', 'failure', 'system-out', 'system-err'] },
  failure: { required: [], optional: ['type', 'message'], children: [] },
  error: { required: [], optional: ['type', 'message'], children: [] },
  skipped: { required: [], optional: ['message'], children: [] },
  'system-out': { required: [], optional: [], children: [] },
  'system-err': { required: [], optional: [], children: [] },
};

/** Problems found; empty when the document fits the schema and its counts add up. */
export function junitProblems(xml: string): string[] {
  const problems: string[] = [];
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch (err) {
    return [(err as Error).message];
  }
  if (root.name !== 'testsuites') problems.push(`root is <${root.name}>`);
  const visit = (node: XmlNode) => {
    const rule = RULES[node.name];
    if (rule === undefined) return problems.push(`unknown element <${node.name}>`);
    for (const a of rule.required) if (!(a in node.attrs)) problems.push(`<${node.name}> lacks ${a}`);
    for (const a of Object.keys(node.attrs)) if (![...rule.required, ...rule.optional].includes(a)) problems.push(`<${node.name}> has ${a}`);
    for (const c of node.children) {
      if (!rule.children.includes(c.name)) problems.push(`<${c.name}> inside <${node.name}>`);
      visit(c);
    }
    if (rule.children.length > 0 && node.text.trim() !== '') problems.push(`text inside <${node.name}>`);
  };
  visit(root);
  for (const suite of root.children) {
    const cases = suite.children.filter((c) => c.name === 'testcase');
    const count = (n: string) => String(cases.filter((c) => c.children.some((x) => x.name === n)).length);
    if (suite.attrs.tests !== String(cases.length)) problems.push(`tests=${suite.attrs.tests}, ${cases.length} test cases`);
    if (suite.attrs.failures !== count('failure')) problems.push(`failures=${suite.attrs.failures}, ${count('failure')} failed`);
    if (suite.attrs.skipped !== count('skipped')) problems.push(`skipped=${suite.attrs.skipped}, ${count('skipped')} skipped`);
  }
  return problems;
}
