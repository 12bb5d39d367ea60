import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPalisadeProgram, programParts } from './live-profile.ts';

/** A sample as `perf script -F ip,sym` prints it: its frames, leaf first. */
const sample = (...frames: string[]) =>
  `\n${frames.map((symbol, i) => `\tffffffff8100${i.toString(16).padStart(4, '0')} ${symbol}`).join('\n')}\n`;
const INGRESS = 'bpf_prog_13ced7ce8b4b5dd9_palisade_ingress';
const PARSE = 'bpf_prog_c8d26e3b29997b80_parse';

test('samples in our programs are shared by the function the program called; the rest only counted', () => {
  const script = [
    sample('lookup_nulls_elem_raw', INGRESS, 'cls_bpf_classify', 'tc_run'),
    sample('bpf_lru_pop_free', 'prealloc_lru_pop', 'htab_lru_map_update_elem', INGRESS, 'cls_bpf_classify'),
    sample(INGRESS, 'cls_bpf_classify'),
    sample(PARSE, INGRESS, 'cls_bpf_classify'),
    sample('read_tsc', 'ktime_get_coarse_ts64', 'bpf_ktime_get_coarse_ns', INGRESS),
    sample('native_write_msr', 'asm_sysvec_apic_timer_interrupt', INGRESS),
    sample('pv_native_safe_halt', 'default_idle', 'do_idle'),
    sample('tcp_v4_rcv', 'ip_rcv'),
  ].join('');
  const profile = programParts(script, isPalisadeProgram);
  assert.equal(profile.samples, 8);
  assert.equal(profile.inPrograms, 6);
  const share = Object.fromEntries(profile.parts.map(({ part, share }) => [part, share]));
  assert.deepEqual(share, {
    'hash map lookups': 1 / 6,
    'conntrack insert (LRU hash)': 1 / 6,
    'their own instructions': 1 / 6,
    'their own instructions: parse()': 1 / 6,
    clock: 1 / 6,
    'other kernel work while they ran (interrupts included)': 1 / 6,
  });
});

test('our programs are told by their JIT symbols, not by a name that merely contains ours', () => {
  assert.ok(isPalisadeProgram(INGRESS));
  assert.ok(isPalisadeProgram('bpf_prog_5eb6766620ebc43e_palisade_egress'));
  assert.ok(isPalisadeProgram(PARSE));
  assert.ok(!isPalisadeProgram('bpf_prog_5eb6766620ebc43e_pass'));
  assert.ok(!isPalisadeProgram('palisade_ingress'));
});
