import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPacer, domainOf } from './pacer.ts';

/** A pacer on a hand-moved clock: `reserve` tells how long an e-mail would wait. */
function pacerAt(limits = { perProcess: 100, perServer: 20, perDomain: 5 }) {
  let now = 1_000_000;
  const pacer = createPacer(limits, { now: () => now, recoverMs: 10_000 });
  return { pacer, advance: (ms: number) => (now += ms) };
}

describe('pacer', () => {
  test('spaces e-mails to one domain at its limit, and other domains are not held back', () => {
    const { pacer } = pacerAt();
    const waits = Array.from({ length: 5 }, () => pacer.reserve('example.com', 'smtp:25'));
    assert.deepEqual(waits, [0, 200, 400, 600, 800]);
    // Another domain through the same server only waits for the server's pace (20/s → 50 ms apart).
    assert.equal(pacer.reserve('other.org', 'smtp:25'), 250);
    assert.equal(pacer.reserve('third.net', 'smtp:25'), 300);
  });

  test('the server limit holds across domains and the process limit across servers', () => {
    const { pacer } = pacerAt({ perProcess: 10, perServer: 1000, perDomain: 1000 });
    const waits = ['a.com', 'b.com', 'c.com'].map((domain, i) => pacer.reserve(domain, `server-${i}`));
    assert.deepEqual(waits, [0, 100, 200]);
  });

  test('a slow-down reply halves the domain pace once, and it climbs back when quiet', () => {
    const { pacer, advance } = pacerAt();
    pacer.slowDown('example.com', 'smtp:25', false);
    pacer.slowDown('example.com', 'smtp:25', false); // a second reply to the same burst
    assert.deepEqual(pacer.rates('example.com', 'smtp:25'), { domain: 2.5, server: 20 });
    assert.equal(pacer.rates('other.org', 'smtp:25').domain, 5, 'other domains keep their pace');
    advance(1500);
    pacer.slowDown('example.com', 'smtp:25', true);
    assert.deepEqual(pacer.rates('example.com', 'smtp:25'), { domain: 1.25, server: 10 });
    advance(10_000);
    assert.equal(pacer.rates('example.com', 'smtp:25').domain, 1.25 * 1.25);
    advance(100_000);
    assert.deepEqual(pacer.rates('example.com', 'smtp:25'), { domain: 5, server: 20 });
  });

  test('the pace never drops to zero, however many slow-down replies come', () => {
    const { pacer, advance } = pacerAt();
    for (let i = 0; i < 50; i++) {
      pacer.slowDown('example.com', 'smtp:25', true);
      advance(1000);
    }
    const { domain } = pacer.rates('example.com', 'smtp:25');
    assert.ok(domain > 0 && domain <= 0.25, `pace ${domain}`);
    assert.ok(Number.isFinite(pacer.reserve('example.com', 'smtp:25')));
  });

  test('a slot less than a millisecond away is not waited for, and the slots after it keep their spacing', async () => {
    const { pacer } = pacerAt({ perProcess: 4000, perServer: 4000, perDomain: 4000 });
    // 4,000/s books a slot every 0.25 ms: the first four leave at once, the fifth waits a timer.
    const slots = Array.from({ length: 5 }, () => pacer.acquire('example.com', 'smtp:25'));
    assert.deepEqual(slots.slice(0, 4), [undefined, undefined, undefined, undefined]);
    assert.ok(slots[4] instanceof Promise);
    await slots[4];
    assert.equal(pacer.reserve('example.com', 'smtp:25'), 1.25);
  });

  test('domains are compared without case; an address without @ is its own domain', () => {
    const { pacer } = pacerAt();
    assert.equal(pacer.reserve('Example.COM', 'smtp:25'), 0);
    assert.equal(pacer.reserve('example.com', 'smtp:25'), 200);
    assert.equal(domainOf('Bob@Example.COM'), 'example.com');
    assert.equal(domainOf('a@b@c.org'), 'c.org');
  });
});
