import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../../src/detectors/registry.js';
import { loadTrace } from '../../src/parsers/index.js';
import { runDetectors } from '../../src/report/findings.js';
import { METRICS, SUBJECT } from '../../src/report/metrics.js';
import { ownTrace } from '../helpers.js';

/**
 * The CI catalogue (rules' metric names and types, diff's directions and subjects) must
 * match what detectors really emit, or a valid `--fail-if` would be rejected.
 */
describe('metric catalogue', () => {
  it('covers every registered detector, with a string subject metric', () => {
    expect(Object.keys(METRICS).sort()).toEqual(DETECTORS.map((d) => d.id).sort());
    for (const [detector, subject] of Object.entries(SUBJECT)) expect(METRICS[detector][subject]?.type).toBe('string');
  });

  it('every metric of real findings is catalogued with its type', async () => {
    const files = readdirSync(ownTrace('detectors')).filter((f) => f.endsWith('.txt'));
    const models = await Promise.all(files.map((f) => loadTrace(ownTrace('detectors', f))));
    const { findings } = runDetectors(models);
    expect(new Set(findings.map((f) => f.detector)).size).toBeGreaterThanOrEqual(3);
    for (const f of findings) {
      for (const [name, value] of Object.entries(f.metrics)) {
        const info = METRICS[f.detector][name];
        expect(info, `${f.detector}.${name}`).toBeDefined();
        if (value !== null) expect(typeof value, `${f.detector}.${name}`).toBe(info.type);
      }
    }
  });
});
