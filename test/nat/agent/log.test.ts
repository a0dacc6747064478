import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/nat/agent/log.js';

function capture(format: 'text' | 'json', level: 'debug' | 'info' = 'info') {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const log = createLogger(out, { format, level, now: () => new Date('2026-12-06T10:00:00.000Z') });
  return { log, text: () => text };
}

describe('createLogger', () => {
  it('json: one object a line, fields kept, undefined left out', () => {
    const c = capture('json');
    c.log.info('kernel write', { mode: 'incremental', ms: 3.5, revision: undefined, what: ['a', 'b'] });
    c.log.debug('not shown');
    expect(c.text()).toBe('{"time":"2026-12-06T10:00:00.000Z","level":"info","msg":"kernel write","mode":"incremental","ms":3.5,"what":["a","b"]}\n');
  });

  it('text: readable, values that are not one plain word quoted, control characters escaped', () => {
    const c = capture('text', 'debug');
    c.log.warn('datastore unreachable', { error: 'connection refused\n\u001b[31mred', retryInMs: 400 });
    c.log.debug('x', { ok: true });
    expect(c.text()).toBe(
      '2026-12-06T10:00:00.000Z WARN  datastore unreachable error="connection refused\\n\\u001b[31mred" retryInMs=400\n' +
        '2026-12-06T10:00:00.000Z DEBUG x ok=true\n',
    );
  });
});
