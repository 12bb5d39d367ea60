// SPDX-License-Identifier: GPL-2.0
/*
 * The per-packet benchmark's stream: one BPF_PROG_TEST_RUN call runs a program on as many
 * different flows as it repeats, back to back, as a busy pod's packets come. Each run writes the
 * next flow's addresses and ports (the 12 bytes from the IPv4 source address on, of frames
 * without IP options) into the packet, then tail-calls the program under test, whose verdict is
 * the run's. The benchmark fills stream_flows, sets stream_next to 0 and puts the program under
 * test in stream_target; TC_ACT_SHOT from here says a step failed. With stream_pass as the program
 * under test, a stream times its own part, which the benchmark takes off.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define FLOW_OFFSET (sizeof(struct ethhdr) + __builtin_offsetof(struct iphdr, saddr))

struct stream_flow {
	__u8 bytes[12]; /* source and destination address, source and destination port */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct stream_flow);
	__uint(max_entries, 65536);
} stream_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} stream_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} stream_target SEC(".maps");

SEC("tc")
int stream(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 *next = bpf_map_lookup_elem(&stream_next, &zero);
	if (!next)
		return TC_ACT_SHOT;
	__u32 index = (*next)++;
	struct stream_flow *flow = bpf_map_lookup_elem(&stream_flows, &index);
	if (!flow || bpf_skb_store_bytes(skb, FLOW_OFFSET, flow, sizeof(*flow), 0) < 0)
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &stream_target, 0);
	return TC_ACT_SHOT;
}

SEC("tc")
int stream_pass(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
