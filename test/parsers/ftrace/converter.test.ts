import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONVERTERS, findConverter } from '../../../src/parsers/converters.js';
import { InputError, loadTrace } from '../../../src/parsers/index.js';
import { OWN_TRACES } from '../../helpers.js';

/** trace.dat starts with 0x17 0x08 0x44 "tracing" and a version string (trace-cmd's file magic). */
const MAGIC = Buffer.concat([Buffer.from([0x17, 0x08, 0x44]), Buffer.from('tracing7\0')]);

function fakeDat(dir: string): string {
  const path = join(dir, 'capture.dat');
  writeFileSync(path, Buffer.concat([MAGIC, Buffer.alloc(64)]));
  return path;
}

describe('trace.dat through trace-cmd report', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('is recognised by its magic bytes, not its name', () => {
    expect(findConverter(Buffer.concat([MAGIC, Buffer.alloc(8)]))?.id).toBe('trace.dat');
    expect(findConverter(Buffer.from('\x17\x08Dtracinx'))).toBeUndefined();
    const c = CONVERTERS.find((x) => x.id === 'trace.dat');
    expect(c?.command).toBe('trace-cmd');
    expect(c?.args('/x/trace.dat')).toEqual(['report', '-i', '/x/trace.dat']);
    expect(c?.format).toBe('ftrace');
  });

  it('without trace-cmd on PATH: a clear error naming the file and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-dat-'));
    const path = fakeDat(dir);
    process.env.PATH = dir; // an empty PATH directory: no trace-cmd anywhere
    const err = await loadTrace(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/trace-cmd.*not on PATH/);
    expect((err as Error).message).toMatch(/install trace-cmd.*or run `trace-cmd report -i FILE > FILE.txt`/);
  });

  it('streams the report through the ftrace parser when trace-cmd is there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-dat-'));
    const path = fakeDat(dir);
    const report = join(OWN_TRACES, 'ftrace', 'events.trace-cmd-report.txt');
    // A stand-in trace-cmd that checks its arguments and prints a real report.
    const tool = join(dir, 'trace-cmd');
    writeFileSync(tool, `#!/bin/sh\n[ "$1" = report ] && [ "$2" = -i ] && [ "$3" = "${path}" ] || { echo "bad args: $*" >&2; exit 3; }\ncat '${report}'\n`);
    chmodSync(tool, 0o755);
    process.env.PATH = `${dir}:${savedPath}`;
    const model = await loadTrace(path);
    expect(model.meta.format).toBe('ftrace');
    expect(model.meta.header['converted by']).toBe(`trace-cmd report -i ${path}`);
    expect(model.eventCount).toBe(6818);
    expect(model.meta.cpuCount).toBe(2);
  });

  it('a failing trace-cmd is reported with its stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-dat-'));
    const path = fakeDat(dir);
    const tool = join(dir, 'trace-cmd');
    writeFileSync(tool, '#!/bin/sh\necho "trace-cmd: No such file or bad header" >&2\nexit 1\n');
    chmodSync(tool, 0o755);
    process.env.PATH = `${dir}:${savedPath}`;
    await expect(loadTrace(path)).rejects.toThrow(/trace-cmd report -i .* failed \(exit 1\): trace-cmd: No such file or bad header/);
  });
});
