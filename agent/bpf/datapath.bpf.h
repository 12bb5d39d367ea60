/*
 * What the two TC programs share: the maps of a pod and of the node, packet parsing, conntrack,
 * and the verdict. Each program file declares its own two rule maps and calls palisade_verdict().
 * The agent pins every map: the pod's maps in the pod's folder (so both programs of a pod use the
 * same pod_state and conntrack), the node's in the node's folder.
 */
#ifndef PALISADE_DATAPATH_BPF_H
#define PALISADE_DATAPATH_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "palisade.h"

#define TCP_IDLE_NS (300ULL * 1000000000ULL)
#define OTHER_IDLE_NS (60ULL * 1000000000ULL)
#define REFRESH_NS 1000000000ULL
#define DENY_REPORT_NS 1000000000ULL

#define RULES_MAP(name)                                                                                  \
	struct {                                                                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                                                                 \
		__type(key, struct lpm_key);                                                                         \
		__type(value, struct rule_value);                                                                    \
		__uint(max_entries, PALISADE_RULES_MAX_ENTRIES);                                                     \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                                                \
	} name SEC(".maps")

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pod_state);
	__uint(max_entries, 1);
} pod_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct flow_key);
	__type(value, struct flow_state);
	__uint(max_entries, PALISADE_CONNTRACK_MAX_ENTRIES);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, PALISADE_COUNTERS);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct flow_key);
	__type(value, __u64);
	__uint(max_entries, 65536);
} deny_reported SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &index);
	if (value)
		*value += 1;
}

/* Reads addresses, protocol and ports. Returns 0 for IP packets, -1 for anything policy ignores. */
static __always_inline int parse(struct __sk_buff *skb, struct flow_key *flow)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u32 l4;

	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return -1;
		/* IPv4-mapped: ::ffff:a.b.c.d */
		flow->src[10] = 0xff;
		flow->src[11] = 0xff;
		flow->dst[10] = 0xff;
		flow->dst[11] = 0xff;
		__builtin_memcpy(&flow->src[12], &ip->saddr, 4);
		__builtin_memcpy(&flow->dst[12], &ip->daddr, 4);
		flow->protocol = ip->protocol;
		/* Later fragments carry no ports; they are judged as portless. */
		if (ip->frag_off & bpf_htons(0x1fff))
			return 0;
		l4 = sizeof(*eth) + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return -1;
		/*
		 * Neighbour discovery must always work, or the pod loses its link; link-local and multicast
		 * traffic (MLD, router solicitations) never goes between pods.
		 */
		if (ip6->nexthdr == IPPROTO_ICMPV6 || ip6->daddr.in6_u.u6_addr8[0] == 0xff ||
		    (ip6->saddr.in6_u.u6_addr8[0] == 0xfe && (ip6->saddr.in6_u.u6_addr8[1] & 0xc0) == 0x80))
			return -1;
		__builtin_memcpy(flow->src, &ip6->saddr, 16);
		__builtin_memcpy(flow->dst, &ip6->daddr, 16);
		flow->protocol = ip6->nexthdr;
		l4 = sizeof(*eth) + sizeof(*ip6);
	} else {
		return -1;
	}
	if (flow->protocol == IPPROTO_TCP || flow->protocol == IPPROTO_UDP || flow->protocol == IPPROTO_SCTP) {
		__u16 ports[2];
		if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0)
			return 0;
		flow->sport = bpf_ntohs(ports[0]);
		flow->dport = bpf_ntohs(ports[1]);
	}
	return 0;
}

static __always_inline void reverse(const struct flow_key *flow, struct flow_key *out)
{
	__builtin_memcpy(out->src, flow->dst, 16);
	__builtin_memcpy(out->dst, flow->src, 16);
	out->sport = flow->dport;
	out->dport = flow->sport;
	out->protocol = flow->protocol;
}

/* Whether a flow this pod already let through is still live; refreshes its clock now and then. */
static __always_inline int known_flow(const struct flow_key *flow, __u64 now)
{
	struct flow_state *state = bpf_map_lookup_elem(&conntrack, flow);
	if (!state)
		return 0;
	__u64 idle = flow->protocol == IPPROTO_TCP ? TCP_IDLE_NS : OTHER_IDLE_NS;
	if (now - state->last_seen_ns > idle)
		return 0;
	if (now - state->last_seen_ns > REFRESH_NS)
		state->last_seen_ns = now;
	return 1;
}

static __always_inline void report(const struct flow_key *flow, __u32 direction, __u32 verdict, __u32 kind,
				   __u32 rule_id, __u32 pod_id, __u64 now)
{
	struct flow_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(PALISADE_COUNTER_LOST_EVENTS);
		return;
	}
	event->timestamp_ns = now;
	__builtin_memcpy(event->src, flow->src, 16);
	__builtin_memcpy(event->dst, flow->dst, 16);
	event->sport = flow->sport;
	event->dport = flow->dport;
	event->protocol = flow->protocol;
	event->direction = direction;
	event->verdict = verdict;
	event->kind = kind;
	event->rule_id = rule_id;
	event->pod_id = pod_id;
	bpf_ringbuf_submit(event, 0);
}

/* The id of the rule that admits the destination port, or PALISADE_RULE_NONE with *found = 0. */
static __always_inline __u32 match_ports(const struct rule_value *rules, const struct flow_key *flow, int *found)
{
	for (int i = 0; i < PALISADE_MAX_PORT_RANGES; i++) {
		if (i >= rules->count)
			break;
		const struct port_range *range = &rules->ranges[i];
		if (range->protocol && range->protocol != flow->protocol)
			continue;
		if (flow->dport < range->start || flow->dport > range->end)
			continue;
		*found = 1;
		return range->rule_id;
	}
	*found = 0;
	return PALISADE_RULE_NONE;
}

/*
 * The verdict for a packet crossing the pod's interface in `direction`, with the rule maps of
 * that direction. Replies and later packets of flows this pod let through pass on conntrack.
 */
static __always_inline int palisade_verdict(struct __sk_buff *skb, __u32 direction, void *rules_0, void *rules_1)
{
	struct flow_key flow = {};
	struct flow_key back = {};
	__u32 zero = 0;

	if (parse(skb, &flow) < 0)
		return TC_ACT_OK;
	struct pod_state *state = bpf_map_lookup_elem(&pod_state, &zero);
	if (!state)
		return TC_ACT_OK;
	__u64 now = bpf_ktime_get_ns();
	reverse(&flow, &back);
	if (known_flow(&flow, now) || known_flow(&back, now)) {
		count(PALISADE_COUNTER_CONNTRACK_HITS);
		return TC_ACT_OK;
	}

	__u32 mode = direction == PALISADE_DIRECTION_INGRESS ? state->ingress_mode : state->egress_mode;
	__u32 rule_id = PALISADE_RULE_NONE;
	int allowed = mode == PALISADE_MODE_ALLOW_ALL;
	if (mode == PALISADE_MODE_ENFORCE) {
		/* The peer is the other end: the source of ingress, the destination of egress. */
		struct lpm_key key = { .prefixlen = 128 };
		__builtin_memcpy(key.addr, direction == PALISADE_DIRECTION_INGRESS ? flow.src : flow.dst, 16);
		struct rule_value *rules =
			bpf_map_lookup_elem(state->active_slot ? rules_1 : rules_0, &key);
		if (rules)
			rule_id = match_ports(rules, &flow, &allowed);
	}

	if (allowed) {
		struct flow_state fresh = { .last_seen_ns = now, .rule_id = rule_id, .direction = direction };
		bpf_map_update_elem(&conntrack, &flow, &fresh, BPF_ANY);
		count(PALISADE_COUNTER_ALLOWED_FLOWS);
		report(&flow, direction, PALISADE_VERDICT_ALLOW, PALISADE_EVENT_NEW_FLOW, rule_id, state->pod_id, now);
		return TC_ACT_OK;
	}
	count(PALISADE_COUNTER_DENIED_PACKETS);
	__u64 *reported = bpf_map_lookup_elem(&deny_reported, &flow);
	if (!reported || now - *reported > DENY_REPORT_NS) {
		bpf_map_update_elem(&deny_reported, &flow, &now, BPF_ANY);
		report(&flow, direction, PALISADE_VERDICT_DENY, PALISADE_EVENT_DENIED, PALISADE_RULE_NONE, state->pod_id, now);
	}
	return TC_ACT_SHOT;
}

#endif
