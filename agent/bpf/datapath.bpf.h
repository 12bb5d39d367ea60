/*
 * What the two TC programs share: the maps of a pod and of the node, packet parsing, conntrack,
 * and the verdict. Each program file declares its own rule maps (RULE_MAPS) and calls palisade_verdict().
 * The agent pins every map: the pod's maps in the pod's folder (so both programs of a pod use the
 * same pod_state, conntrack and fragments), the node's in the node's folder.
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

#define SECOND_NS 1000000000ULL
/* A SYN nobody answered: the client retries with a new SYN, which is judged again anyway. */
#define NEW_IDLE_NS (30ULL * SECOND_NS)
/* Long, as idle connection pools are common; the LRU makes room when the map is full. */
#define TCP_IDLE_NS (6ULL * 3600ULL * SECOND_NS)
#define OTHER_IDLE_NS (60ULL * SECOND_NS)
/* After FIN both ways or RST: long enough for the last ACKs and retransmitted FINs. */
#define CLOSING_LINGER_NS (10ULL * SECOND_NS)
/* A cut connection stays cut while either side keeps sending, and is forgotten after this silence. */
#define CUT_LINGER_NS (120ULL * SECOND_NS)
/* As the kernel's own reassembly timeout (net.ipv4.ipfrag_time). */
#define FRAGMENT_IDLE_NS (30ULL * SECOND_NS)
#define REFRESH_NS SECOND_NS
#define DENY_REPORT_NS SECOND_NS

/* Extension headers walked to find an IPv6 packet's transport header. */
#define MAX_IPV6_EXTENSIONS 8

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/*
 * The rules of one direction, in two slots (see pod_state.active_slot), each in three maps: the
 * full-length entries (pod IPs, nearly all of them) in a hash map, one probe whatever its size,
 * the shorter prefixes in an LPM trie, both holding the index of the entry's rule set, and the
 * distinct rule sets in a hash map (many addresses share one, so an entry stays 4 bytes).
 */
#define RULE_MAPS(direction)                                                                             \
	RULE_MAP(direction##_exact_0, BPF_MAP_TYPE_HASH, struct exact_key);                                    \
	RULE_MAP(direction##_exact_1, BPF_MAP_TYPE_HASH, struct exact_key);                                    \
	RULE_MAP(direction##_rules_0, BPF_MAP_TYPE_LPM_TRIE, struct lpm_key);                                  \
	RULE_MAP(direction##_rules_1, BPF_MAP_TYPE_LPM_TRIE, struct lpm_key);                                  \
	RULE_SETS(direction##_sets_0);                                                                         \
	RULE_SETS(direction##_sets_1);                                                                         \
	static const struct rule_maps direction##_rule_maps = {                                                \
		.exact = { &direction##_exact_0, &direction##_exact_1 },                                             \
		.prefixes = { &direction##_rules_0, &direction##_rules_1 },                                          \
		.sets = { &direction##_sets_0, &direction##_sets_1 },                                                \
	}

#define RULE_MAP(name, map_type, key_type)                                                               \
	struct {                                                                                               \
		__uint(type, map_type);                                                                              \
		__type(key, key_type);                                                                               \
		__type(value, __u32);                                                                                \
		__uint(max_entries, PALISADE_RULES_MAX_ENTRIES);                                                     \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                                                \
	} name SEC(".maps")

#define RULE_SETS(name)                                                                                  \
	struct {                                                                                               \
		__uint(type, BPF_MAP_TYPE_HASH);                                                                     \
		__type(key, __u32);                                                                                  \
		__type(value, struct rule_value);                                                                    \
		__uint(max_entries, PALISADE_RULE_SETS_MAX_ENTRIES);                                                 \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                                                \
	} name SEC(".maps")

/* A direction's rule maps, by slot. */
struct rule_maps {
	void *exact[2];
	void *prefixes[2];
	void *sets[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pod_state);
	__uint(max_entries, 1);
} pod_state SEC(".maps");

/* The agent sets its size from configuration before loading (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct conntrack_key);
	__type(value, struct flow_state);
	__uint(max_entries, PALISADE_CONNTRACK_DEFAULT_ENTRIES);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct fragment_key);
	__type(value, __u64);
	__uint(max_entries, PALISADE_FRAGMENTS_MAX_ENTRIES);
} fragments SEC(".maps");

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

#define PACKET_FLOW 0
#define PACKET_ICMP_ERROR 1
#define PACKET_LATER_FRAGMENT 2

#define FRAGMENT_NONE 0
#define FRAGMENT_FIRST 1
#define FRAGMENT_LATER 2

/* A packet as policy sees it. */
struct packet {
	struct flow_key flow;
	struct flow_key inner; /* ICMP errors: the flow of the packet the error is about, as it was sent */
	__u32 fragment_id;
	__u8 kind;
	__u8 tcp_flags;
	__u8 first_fragment; /* offset 0 with more fragments to come */
	__u8 pad;
};

static __always_inline void count(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &index);
	if (value)
		*value += 1;
}

/* The flow's addresses (IPv4-mapped) and protocol from an IPv4 header. */
static __always_inline void ipv4_flow(const struct iphdr *ip, struct flow_key *flow)
{
	flow->family = PALISADE_FAMILY_IPV4;
	flow->src[10] = 0xff;
	flow->src[11] = 0xff;
	flow->dst[10] = 0xff;
	flow->dst[11] = 0xff;
	__builtin_memcpy(&flow->src[12], &ip->saddr, 4);
	__builtin_memcpy(&flow->dst[12], &ip->daddr, 4);
	flow->protocol = ip->protocol;
}

/* The flow's addresses from an IPv6 header, and the protocol its next header names. */
static __always_inline void ipv6_flow(const struct ipv6hdr *ip6, struct flow_key *flow)
{
	flow->family = PALISADE_FAMILY_IPV6;
	__builtin_memcpy(flow->src, &ip6->saddr, 16);
	__builtin_memcpy(flow->dst, &ip6->daddr, 16);
	flow->protocol = ip6->nexthdr;
}

/* Link-local and multicast IPv6 traffic (neighbour discovery, MLD) stays on the link, never between pods. */
static __always_inline int link_only(const struct flow_key *flow)
{
	return flow->family == PALISADE_FAMILY_IPV6 &&
	       (flow->dst[0] == 0xff || (flow->src[0] == 0xfe && (flow->src[1] & 0xc0) == 0x80));
}

static __always_inline int has_ports(__u8 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP;
}

/*
 * Reads the IP header at `off` into `flow` and finds the transport header (*l4), walking IPv6
 * extension headers. Returns -1 for a header too short to read: the kernel drops those itself.
 */
static __always_inline int parse_ip(struct __sk_buff *skb, __u32 off, int v6, struct flow_key *flow, __u32 *l4,
				    __u32 *fragment_id, __u8 *fragment)
{
	*fragment = FRAGMENT_NONE;
	if (!v6) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0 || ip.ihl < 5)
			return -1;
		ipv4_flow(&ip, flow);
		__u16 frag = bpf_ntohs(ip.frag_off);
		*fragment_id = bpf_ntohs(ip.id);
		if (frag & 0x1fff)
			*fragment = FRAGMENT_LATER;
		else if (frag & 0x2000)
			*fragment = FRAGMENT_FIRST;
		*l4 = off + ip.ihl * 4;
		return 0;
	}
	struct ipv6hdr ip6;
	if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) < 0)
		return -1;
	ipv6_flow(&ip6, flow);
	__u8 next = flow->protocol;
	__u32 pos = off + sizeof(ip6);
	for (int i = 0; i < MAX_IPV6_EXTENSIONS; i++) {
		__u8 header[8];
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
		    next != IPPROTO_FRAGMENT && next != IPPROTO_AH)
			break;
		if (bpf_skb_load_bytes(skb, pos, header, sizeof(header)) < 0)
			return -1;
		if (next == IPPROTO_FRAGMENT) {
			__u16 frag = ((__u16)header[2] << 8) | header[3];
			*fragment_id = ((__u32)header[4] << 24) | ((__u32)header[5] << 16) | ((__u32)header[6] << 8) | header[7];
			next = header[0];
			pos += 8;
			if (frag & 0xfff8) {
				*fragment = FRAGMENT_LATER;
				break; /* what follows is the middle of a datagram, not a header */
			}
			if (frag & 1)
				*fragment = FRAGMENT_FIRST;
			continue;
		}
		/* AH counts its length in 4-byte words less 2, the others in 8-byte words less 1. */
		pos += next == IPPROTO_AH ? ((__u32)header[1] + 2) * 4 : ((__u32)header[1] + 1) * 8;
		next = header[0];
	}
	flow->protocol = next;
	*l4 = pos;
	return 0;
}

static __always_inline int is_icmp(const struct flow_key *flow)
{
	return flow->family == PALISADE_FAMILY_IPV6 ? flow->protocol == IPPROTO_ICMPV6 : flow->protocol == IPPROTO_ICMP;
}

/*
 * Reads the ports of a TCP, UDP or SCTP header at `l4` (and TCP's flags), or an ICMP echo's id
 * (as sport for a request, dport for a reply). Returns the ICMP type, or -1 for other protocols.
 */
static __always_inline int parse_transport(struct __sk_buff *skb, __u32 l4, struct flow_key *flow, __u8 *tcp_flags)
{
	if (has_ports(flow->protocol)) {
		__u16 ports[2];
		if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)) < 0)
			return -1;
		flow->sport = bpf_ntohs(ports[0]);
		flow->dport = bpf_ntohs(ports[1]);
		if (flow->protocol == IPPROTO_TCP && tcp_flags)
			bpf_skb_load_bytes(skb, l4 + 13, tcp_flags, 1);
		return -1;
	}
	if (!is_icmp(flow))
		return -1;
	__u8 icmp[8];
	if (bpf_skb_load_bytes(skb, l4, icmp, sizeof(icmp)) < 0)
		return -1;
	__u16 id = ((__u16)icmp[4] << 8) | icmp[5];
	int v6 = flow->family == PALISADE_FAMILY_IPV6;
	if (icmp[0] == (v6 ? 128 : 8)) /* echo request */
		flow->sport = id;
	else if (icmp[0] == (v6 ? 129 : 0)) /* echo reply */
		flow->dport = id;
	return icmp[0];
}

/* Destination unreachable (incl. fragmentation needed / packet too big), time exceeded, parameter problem. */
static __always_inline int is_icmp_error(int v6, int type)
{
	return v6 ? type >= 1 && type <= 4 : type == 3 || type == 11 || type == 12;
}

/* Router and neighbour solicitations and advertisements, redirects, and multicast listener messages. */
static __always_inline int is_neighbour_discovery(int type)
{
	return (type >= 130 && type <= 137) || type == 143;
}

/*
 * The common packet, read straight from its linear part (no helper calls, the cheapest read):
 * IPv4 without options or IPv6 without extension headers, not a fragment, carrying TCP, UDP or
 * SCTP, not link-local. Returns -1 for any other packet, which parse() then reads in full.
 */
static __always_inline int parse_common(struct __sk_buff *skb, struct packet *packet)
{
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = (void *)(long)skb->data;
	struct flow_key flow = {};
	__u8 *l4;
	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)))
			return -1;
		ipv4_flow(ip, &flow);
		l4 = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return -1;
		ipv6_flow(ip6, &flow);
		l4 = (void *)(ip6 + 1);
	} else {
		return -1;
	}
	/* 14 bytes: a TCP header's flags are its 14th byte (a shorter UDP or SCTP packet takes the full read). */
	if (!has_ports(flow.protocol) || link_only(&flow) || (void *)(l4 + 14) > end)
		return -1;
	flow.sport = ((__u16)l4[0] << 8) | l4[1];
	flow.dport = ((__u16)l4[2] << 8) | l4[3];
	packet->flow = flow;
	if (flow.protocol == IPPROTO_TCP)
		packet->tcp_flags = l4[13];
	return 0;
}

/*
 * Reads what policy needs. Returns 0 for IP packets, -1 for anything policy leaves alone. A
 * function of its own (global, not inlined), so that the verifier checks its many ways through a
 * packet once, not each again with the rest of the program.
 */
__noinline int parse(struct __sk_buff *skb, struct packet *packet)
{
	if (!packet)
		return -1;
	if (parse_common(skb, packet) == 0)
		return 0;
	__u16 proto;
	if (bpf_skb_load_bytes(skb, __builtin_offsetof(struct ethhdr, h_proto), &proto, sizeof(proto)) < 0)
		return -1;
	int v6;
	if (proto == bpf_htons(ETH_P_IP))
		v6 = 0;
	else if (proto == bpf_htons(ETH_P_IPV6))
		v6 = 1;
	else
		return -1;
	__u32 l4;
	__u8 fragment;
	if (parse_ip(skb, sizeof(struct ethhdr), v6, &packet->flow, &l4, &packet->fragment_id, &fragment) < 0)
		return -1;
	if (link_only(&packet->flow))
		return -1;
	if (fragment == FRAGMENT_LATER) {
		packet->kind = PACKET_LATER_FRAGMENT;
		return 0;
	}
	packet->first_fragment = fragment == FRAGMENT_FIRST;
	int type = parse_transport(skb, l4, &packet->flow, &packet->tcp_flags);
	if (type < 0)
		return 0;
	if (v6 && is_neighbour_discovery(type))
		return -1;
	if (is_icmp_error(v6, type)) {
		/* The error carries the start of the packet it is about: its IP header and 8 bytes more. */
		__u32 inner_l4, inner_id;
		__u8 inner_fragment;
		packet->kind = PACKET_ICMP_ERROR;
		if (parse_ip(skb, l4 + 8, v6, &packet->inner, &inner_l4, &inner_id, &inner_fragment) == 0)
			parse_transport(skb, inner_l4, &packet->inner, NULL);
	}
	return 0;
}

/* The conntrack key of a packet crossing in `direction`: the pod's end and the peer's. */
static __always_inline void conntrack_key_of(const struct flow_key *flow, __u32 direction, struct conntrack_key *key)
{
	int ingress = direction == PALISADE_DIRECTION_INGRESS;
	__builtin_memcpy(key->pod, ingress ? flow->dst : flow->src, 16);
	__builtin_memcpy(key->peer, ingress ? flow->src : flow->dst, 16);
	key->pod_port = ingress ? flow->dport : flow->sport;
	key->peer_port = ingress ? flow->sport : flow->dport;
	key->protocol = flow->protocol;
	key->family = flow->family;
}

/*
 * The conntrack entry of a packet crossing in `direction`: a flow let through in that direction
 * (the packet is a forward one) or in the other (the packet is a reply, *reply = 1).
 */
static __always_inline struct flow_state *tracked(const struct conntrack_key *key, __u32 direction, int *reply)
{
	struct flow_state *state = bpf_map_lookup_elem(&conntrack, key);
	if (state)
		*reply = state->direction != direction;
	return state;
}

static __always_inline int expired(const struct flow_state *state, __u8 protocol, __u64 now)
{
	__u64 limit = OTHER_IDLE_NS;
	if (state->state == PALISADE_CT_NEW)
		limit = NEW_IDLE_NS;
	else if (state->state == PALISADE_CT_CLOSING)
		limit = CLOSING_LINGER_NS;
	else if (state->state == PALISADE_CT_CUT)
		limit = CUT_LINGER_NS;
	else if (protocol == IPPROTO_TCP)
		limit = TCP_IDLE_NS;
	/* The agent stamps the entries it cuts; its clock may be a little ahead of this one. */
	return now > state->last_seen_ns && now - state->last_seen_ns > limit;
}

/* Follows a tracked packet: TCP's FIN and RST close the flow; otherwise the clock is refreshed now and then. */
static __always_inline void follow(struct flow_state *state, __u8 protocol, __u8 flags, int reply, __u64 now)
{
	if (protocol == IPPROTO_TCP && state->state != PALISADE_CT_CLOSING) {
		if (flags & TCP_FIN)
			state->fin |= reply ? PALISADE_FIN_REPLY : PALISADE_FIN_FORWARD;
		if ((flags & TCP_RST) || state->fin == (PALISADE_FIN_FORWARD | PALISADE_FIN_REPLY)) {
			state->state = PALISADE_CT_CLOSING;
			state->last_seen_ns = now;
			return;
		}
		if (state->state == PALISADE_CT_NEW && reply) {
			state->state = PALISADE_CT_OPEN;
			state->last_seen_ns = now;
			return;
		}
	}
	/* A closing flow's linger counts from the close. */
	if (state->state != PALISADE_CT_CLOSING && now - state->last_seen_ns > REFRESH_NS)
		state->last_seen_ns = now;
}

/*
 * Whether an ICMP error is about a packet of a flow the pod let through. The packet it carries
 * went the other way: as a forward packet of a flow of the other direction, or as a reply of a
 * flow of this one.
 */
static __always_inline int related(const struct flow_key *inner, __u32 direction, __u64 now)
{
	struct conntrack_key key = {};
	int reply;
	conntrack_key_of(inner, !direction, &key);
	struct flow_state *state = tracked(&key, !direction, &reply);
	return state && state->state != PALISADE_CT_CUT && !expired(state, inner->protocol, now);
}

/* Whether the peer (source of ingress, destination of egress) is the pod's own node. */
static __always_inline int from_node(const struct pod_state *state, const struct flow_key *flow, __u32 direction)
{
	const __u8 *peer = direction == PALISADE_DIRECTION_INGRESS ? flow->src : flow->dst;
	if (flow->family == PALISADE_FAMILY_IPV4) {
		__u32 node, address;
		__builtin_memcpy(&node, state->node_ipv4, 4);
		__builtin_memcpy(&address, &peer[12], 4);
		return node && node == address;
	}
	__u64 node[2], address[2];
	__builtin_memcpy(node, state->node_ipv6, 16);
	__builtin_memcpy(address, peer, 16);
	return (node[0] || node[1]) && node[0] == address[0] && node[1] == address[1];
}

static __always_inline void fragment_key_of(const struct packet *packet, __u32 direction, struct fragment_key *key)
{
	__builtin_memcpy(key->src, packet->flow.src, 16);
	__builtin_memcpy(key->dst, packet->flow.dst, 16);
	key->id = packet->fragment_id;
	key->protocol = packet->flow.protocol;
	key->family = packet->flow.family;
	key->direction = direction;
}

/* Lets the packet through; a first fragment is remembered so that the rest of its datagram follows. */
static __always_inline int pass(const struct packet *packet, __u32 direction, __u64 now)
{
	if (packet->first_fragment) {
		struct fragment_key key = {};
		fragment_key_of(packet, direction, &key);
		bpf_map_update_elem(&fragments, &key, &now, BPF_ANY);
	}
	return TC_ACT_OK;
}

/* Which policy decided a packet: its rule id and tier (PALISADE_RULE_NONE and PALISADE_TIER_NONE: none). */
struct decision {
	__u32 rule_id;
	__u32 tier;
};

static const struct decision NO_DECISION = {};

/*
 * Writes a flow event to the node's ring buffer, stamped with the precise clock. It wakes no
 * reader: the agent reads the buffer every 100 ms (READ_EVERY_US in palisade_addon.c), and a
 * wakeup would cost an interrupt on this CPU for the first event after each of its reads.
 */
static __always_inline void report(const struct flow_key *flow, __u32 direction, __u32 verdict, __u32 kind,
				   __u32 reason, const struct decision *decision, __u32 pod_id)
{
	struct flow_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count(PALISADE_COUNTER_LOST_EVENTS);
		return;
	}
	__builtin_memset(event, 0, sizeof(*event));
	event->timestamp_ns = bpf_ktime_get_ns();
	__builtin_memcpy(event->src, flow->src, 16);
	__builtin_memcpy(event->dst, flow->dst, 16);
	event->sport = flow->sport;
	event->dport = flow->dport;
	event->protocol = flow->protocol;
	event->family = flow->family;
	event->direction = direction;
	event->verdict = verdict;
	event->kind = kind;
	event->reason = reason;
	event->rule_id = decision->rule_id;
	event->tier = decision->tier;
	event->pod_id = pod_id;
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
}

/* Drops the packet, reporting it at most once a second per flow. */
static __always_inline int deny(const struct flow_key *flow, __u32 direction, const struct pod_state *state,
				__u32 reason, const struct decision *decision, __u64 now)
{
	count(PALISADE_COUNTER_DENIED_PACKETS);
	__u64 *reported = bpf_map_lookup_elem(&deny_reported, flow);
	if (!reported || now - *reported > DENY_REPORT_NS) {
		bpf_map_update_elem(&deny_reported, flow, &now, BPF_ANY);
		report(flow, direction, PALISADE_VERDICT_DENY, PALISADE_EVENT_DENIED, reason, decision, state->pod_id);
	}
	return TC_ACT_SHOT;
}

/*
 * The first range of the rule set that matches the flow's protocol and destination port, the
 * ranges taken in order; a matching Pass skips the rest of its tier. NULL: no range decides.
 */
static __always_inline const struct port_range *match_ports(const struct rule_value *rules,
								const struct flow_key *flow)
{
	__u8 passed = PALISADE_TIER_NONE;
	for (int i = 0; i < PALISADE_MAX_PORT_RANGES; i++) {
		if (i >= rules->count)
			break;
		const struct port_range *range = &rules->ranges[i];
		if (range->tier == passed)
			continue;
		if (range->protocol && range->protocol != flow->protocol)
			continue;
		if (flow->dport < range->start || flow->dport > range->end)
			continue;
		if (range->action == PALISADE_ACTION_PASS) {
			passed = range->tier;
			continue;
		}
		return range;
	}
	return NULL;
}

/*
 * The rules for a peer address (16 bytes, IPv4 mapped) in one slot: the rule set its full-length
 * entry in the exact map names, else the one of the longest prefix of the trie that covers it.
 * The agent compiles every entry as the union of all rules covering that address, so an exact hit
 * is the answer, even one allowing nothing (an address a rule excepts); the trie holds no
 * full-length entries.
 */
static __always_inline const struct rule_value *rules_for(const __u8 *peer, __u8 family, void *exact, void *prefixes,
							  void *sets)
{
	struct exact_key key = { .family = family };
	__builtin_memcpy(key.addr, peer, 16);
	const __u32 *set = bpf_map_lookup_elem(exact, &key);
	if (!set) {
		struct lpm_key prefix = { .family = family };
		if (family == PALISADE_FAMILY_IPV4) {
			prefix.prefixlen = 8 + 32;
			__builtin_memcpy(prefix.addr, &peer[12], 4);
		} else {
			prefix.prefixlen = 8 + 128;
			__builtin_memcpy(prefix.addr, peer, 16);
		}
		set = bpf_map_lookup_elem(prefixes, &prefix);
		if (!set)
			return NULL;
	}
	return bpf_map_lookup_elem(sets, set);
}

/*
 * Whether the rules of the live slot let the flow through, and which policy decided. What no range
 * decides is denied when a NetworkPolicy isolates the pod (ENFORCE), and passes when only cluster
 * policies apply (ENFORCE_OPEN).
 */
static __always_inline int rules_allow(const struct pod_state *state, const struct flow_key *flow, __u32 direction,
				       __u32 mode, const struct rule_maps *maps, struct decision *decision)
{
	const __u8 *peer = direction == PALISADE_DIRECTION_INGRESS ? flow->src : flow->dst;
	const struct rule_value *rules =
		state->active_slot ? rules_for(peer, flow->family, maps->exact[1], maps->prefixes[1], maps->sets[1])
				   : rules_for(peer, flow->family, maps->exact[0], maps->prefixes[0], maps->sets[0]);
	const struct port_range *range = rules ? match_ports(rules, flow) : NULL;
	if (range) {
		decision->rule_id = range->rule_id;
		decision->tier = range->tier;
		return range->action == PALISADE_ACTION_ALLOW;
	}
	if (mode == PALISADE_MODE_ENFORCE_OPEN)
		return 1;
	decision->tier = PALISADE_TIER_NETWORK_POLICY;
	return 0;
}

/*
 * The verdict for a packet crossing the pod's interface in `direction`, with the rule maps of
 * that direction. Packets of flows this pod let through pass on conntrack, each only in the
 * direction it belongs to; only a TCP SYN (or any other protocol's packet) the policy allows
 * starts a flow, so a mid-stream packet never brings back a flow that was cut or forgotten.
 */
static __always_inline int palisade_verdict(struct __sk_buff *skb, __u32 direction, const struct rule_maps *maps)
{
	struct packet packet = {};
	__u32 zero = 0;

	if (parse(skb, &packet) < 0)
		return TC_ACT_OK;
	struct pod_state *state = bpf_map_lookup_elem(&pod_state, &zero);
	if (!state)
		return TC_ACT_OK;
	/*
	 * Conntrack's clock: the coarse one (the time of the last tick, no clock read), as every
	 * timeout here is a second or more; flow events take the precise time (report).
	 */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 mode = direction == PALISADE_DIRECTION_INGRESS ? state->ingress_mode : state->egress_mode;

	if (packet.kind == PACKET_LATER_FRAGMENT) {
		struct fragment_key key = {};
		fragment_key_of(&packet, direction, &key);
		__u64 *seen = bpf_map_lookup_elem(&fragments, &key);
		if (seen && now - *seen <= FRAGMENT_IDLE_NS) {
			count(PALISADE_COUNTER_FRAGMENTS);
			return TC_ACT_OK;
		}
		if (from_node(state, &packet.flow, direction)) {
			count(PALISADE_COUNTER_NODE_PACKETS);
			return TC_ACT_OK;
		}
		if (mode == PALISADE_MODE_ALLOW_ALL)
			return TC_ACT_OK;
		return deny(&packet.flow, direction, state, PALISADE_REASON_FRAGMENT, &NO_DECISION, now);
	}
	int node = from_node(state, &packet.flow, direction);
	if (packet.kind == PACKET_ICMP_ERROR) {
		if (related(&packet.inner, direction, now)) {
			count(PALISADE_COUNTER_RELATED_ICMP);
			return pass(&packet, direction, now);
		}
		if (node) {
			count(PALISADE_COUNTER_NODE_PACKETS);
			return pass(&packet, direction, now);
		}
		if (mode == PALISADE_MODE_ALLOW_ALL)
			return pass(&packet, direction, now);
		return deny(&packet.flow, direction, state, PALISADE_REASON_ICMP, &NO_DECISION, now);
	}

	int tcp = packet.flow.protocol == IPPROTO_TCP;
	int syn = tcp && (packet.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
	int reply = 0;
	struct conntrack_key key = {};
	conntrack_key_of(&packet.flow, direction, &key);
	struct flow_state *entry = tracked(&key, direction, &reply);
	/* The tuple's entry, live or not: a new flow of the same tuple takes its place (see below). */
	struct flow_state *found = entry;
	if (entry && expired(entry, packet.flow.protocol, now))
		entry = NULL;
	/* A forward SYN always starts a new connection, judged anew (same tuple after a close or a cut). */
	if (entry && !(syn && !reply)) {
		if (entry->state != PALISADE_CT_CUT) {
			follow(entry, packet.flow.protocol, packet.tcp_flags, reply, now);
			count(PALISADE_COUNTER_CONNTRACK_HITS);
			return pass(&packet, direction, now);
		}
		/* A cut flow: replies, and TCP without a new SYN, stay dropped; other protocols are judged again. */
		if (reply || tcp) {
			entry->last_seen_ns = now;
			return deny(&packet.flow, direction, state, PALISADE_REASON_CUT, &NO_DECISION, now);
		}
	}

	struct decision decision = {};
	__u32 reason = PALISADE_REASON_POLICY;
	int allowed;
	if (node) {
		count(PALISADE_COUNTER_NODE_PACKETS);
		allowed = 1;
		reason = PALISADE_REASON_NODE;
	} else if (mode == PALISADE_MODE_ENFORCE || mode == PALISADE_MODE_ENFORCE_OPEN) {
		allowed = rules_allow(state, &packet.flow, direction, mode, maps, &decision);
	} else {
		allowed = mode == PALISADE_MODE_ALLOW_ALL;
		if (!allowed)
			reason = PALISADE_REASON_DENY_ALL;
	}
	if (!allowed)
		return deny(&packet.flow, direction, state, reason, &decision, now);
	/* Mid-stream TCP the policy allows passes on its own, and starts nothing. */
	if (!tcp || syn) {
		struct flow_state fresh = {
			.last_seen_ns = now,
			.rule_id = decision.rule_id,
			.direction = direction,
			.state = syn ? PALISADE_CT_NEW : PALISADE_CT_OPEN,
		};
		/*
		 * A tuple seen before (a client's port used again, a flow after its close, its cut or its
		 * timeout) is written over where it is: the map's update would take a fresh element from the
		 * LRU and give the old one back, the most costly part of a new flow under connection churn.
		 */
		if (found) {
			*found = fresh;
			count(PALISADE_COUNTER_REUSED_TUPLES);
		} else {
			bpf_map_update_elem(&conntrack, &key, &fresh, BPF_ANY);
		}
		count(PALISADE_COUNTER_ALLOWED_FLOWS);
		report(&packet.flow, direction, PALISADE_VERDICT_ALLOW, PALISADE_EVENT_NEW_FLOW, reason, &decision,
		       state->pod_id);
	}
	return pass(&packet, direction, now);
}

#endif
