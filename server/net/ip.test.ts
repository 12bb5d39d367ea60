import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, cidrWithin, formatCidr, formatIp, parseCidr, parseIp } from './ip.ts';

test('parses IPv4 strictly', () => {
  assert.equal(parseIp('10.0.0.1')?.value, 0x0a000001n);
  for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', '', 'a.b.c.d', '1.2.3.-4']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('parses IPv6 with compression and embedded IPv4', () => {
  assert.equal(parseIp('::1')?.value, 1n);
  assert.equal(parseIp('fd00::1:2')?.family, 6);
  assert.equal(parseIp('::ffff:10.0.0.1')?.value, 0xffff0a000001n);
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'fffff::', ':::', '1:2:3:4:5:6:7']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('formats addresses canonically', () => {
  assert.equal(formatIp(parseIp('10.1.2.3') ?? assert.fail()), '10.1.2.3');
  assert.equal(formatIp(parseIp('fd00:0:0:0:0:0:0:1') ?? assert.fail()), 'fd00::1');
  assert.equal(formatIp(parseIp('1:0:0:2:0:0:0:3') ?? assert.fail()), '1:0:0:2::3');
  assert.equal(formatCidr(parseCidr('10.1.2.3/8') ?? assert.fail()), '10.0.0.0/8');
});

test('CIDR containment honours the prefix and the family', () => {
  const block = parseCidr('10.1.0.0/16') ?? assert.fail();
  assert.ok(cidrContains(block, parseIp('10.1.255.255') ?? assert.fail()));
  assert.ok(!cidrContains(block, parseIp('10.2.0.0') ?? assert.fail()));
  assert.ok(!cidrContains(block, parseIp('::a01:0') ?? assert.fail()));
  assert.ok(cidrContains(parseCidr('0.0.0.0/0') ?? assert.fail(), parseIp('192.0.2.1') ?? assert.fail()));
  assert.ok(cidrWithin(parseCidr('10.1.2.0/24') ?? assert.fail(), block));
  assert.ok(!cidrWithin(parseCidr('10.0.0.0/8') ?? assert.fail(), block));
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0.0'), undefined);
});
