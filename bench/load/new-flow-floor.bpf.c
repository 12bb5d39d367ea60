// SPDX-License-Identifier: GPL-2.0
/*
 * The per-packet benchmark's floor: the least a TC program pays on this machine for a new flow
 * with what no policy program that tracks and reports flows can leave out, timed as our programs
 * are. The benchmark loads it with its maps replaced by the pod's own pinned ones (bpftool prog
 * loadall … map name NAME pinned PATH), so that it works on the same memory as our programs: the
 * pod's conntrack, the node's ring buffer, the live rule table. It reads IPv4 frames without
 * options, as the benchmark builds them; TC_ACT_SHOT says a step failed, which the benchmark
 * turns into an error.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "palisade.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct conntrack_key);
	__type(value, struct flow_state);
	__uint(max_entries, PALISADE_CONNTRACK_DEFAULT_ENTRIES);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct exact_key);
	__type(value, __u32);
	__uint(max_entries, PALISADE_RULES_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} exact SEC(".maps");

/*
 * A new ingress flow, least done: read the headers straight from the packet, look the peer up in
 * the live rule table's hash map of whole addresses, insert the flow into the pod's conntrack,
 * write one flow record to the node's ring buffer.
 */
SEC("tc")
int floor_new_flow(struct __sk_buff *skb)
{
	struct iphdr *ip = (void *)(long)skb->data + sizeof(struct ethhdr);
	__u16 *ports = (void *)(ip + 1);
	if ((void *)(ports + 2) > (void *)(long)skb->data_end)
		return TC_ACT_SHOT;
	struct exact_key peer = { .family = PALISADE_FAMILY_IPV4 };
	peer.addr[10] = 0xff;
	peer.addr[11] = 0xff;
	__builtin_memcpy(&peer.addr[12], &ip->saddr, 4);
	__u32 *rules = bpf_map_lookup_elem(&exact, &peer);
	if (!rules)
		return TC_ACT_SHOT;
	struct conntrack_key key = { .protocol = ip->protocol, .family = PALISADE_FAMILY_IPV4 };
	__builtin_memcpy(key.pod, peer.addr, 12);
	__builtin_memcpy(&key.pod[12], &ip->daddr, 4);
	__builtin_memcpy(key.peer, peer.addr, 16);
	key.pod_port = ports[1];
	key.peer_port = ports[0];
	__u64 now = bpf_ktime_get_ns();
	struct flow_state fresh = { .last_seen_ns = now, .rule_id = *rules, .state = PALISADE_CT_NEW };
	if (bpf_map_update_elem(&conntrack, &key, &fresh, BPF_ANY) < 0)
		return TC_ACT_SHOT;
	struct flow_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		return TC_ACT_SHOT;
	__builtin_memset(event, 0, sizeof(*event));
	event->timestamp_ns = now;
	__builtin_memcpy(event->src, key.peer, 16);
	__builtin_memcpy(event->dst, key.pod, 16);
	event->sport = ports[0];
	event->dport = ports[1];
	event->protocol = key.protocol;
	event->family = key.family;
	event->rule_id = *rules;
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
