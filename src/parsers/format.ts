import type { TraceBuilder } from '../model/builder.js';
import type { InputSource } from './input/source.js';
import type { LineSink } from './input/lines.js';
import { LineSplitter } from './input/lines.js';

/** A trace format: one folder under src/parsers, one entry in the registry (index.ts). */
export interface TraceFormat {
  id: string;
  title: string;
  /** Confidence 0..1 that `head` (the first bytes) is this format; 0 = certainly not. */
  sniff(head: Buffer): number;
  parse(input: InputSource, builder: TraceBuilder, hooks: ParseHooks): Promise<void>;
}

export interface ParseHooks {
  /** Called after each chunk with the decoded bytes consumed so far. */
  onProgress?(bytes: number): void;
  /** TSC frequency for formats that time in cycles (xentrace); the parser states its default when absent. */
  cpuHz?: number;
}

/** Drive a line-oriented parser over an input's chunks. */
export async function parseLines(input: InputSource, sink: LineSink & { end(): void }, hooks: ParseHooks): Promise<void> {
  const splitter = new LineSplitter(sink);
  for await (const chunk of input.chunks()) {
    splitter.push(chunk);
    hooks.onProgress?.(input.bytesRead);
  }
  splitter.end();
  sink.end();
}

/** The first lines of a head, for sniffers (the last, possibly cut, line is dropped). */
export function headLines(head: Buffer, max = 40): string[] {
  const text = head.toString('latin1');
  const lines = text.split('\n');
  if (head.length >= 4096) lines.pop();
  return lines.slice(0, max).map((l) => l.replace(/\r$/, ''));
}
