/*
 * Palisade's kernel ABI: every map key and value and the flow event, defined once. The kernel
 * programs, the N-API addon and the TypeScript codec (agent/datapath/layout.ts, whose offsets a
 * test checks against the addon's sizeof/offsetof) all follow this file. Padding is explicit.
 */
#ifndef PALISADE_H
#define PALISADE_H

#ifdef __BPF__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stddef.h>
#endif

#define PALISADE_MAX_PORT_RANGES 24
#define PALISADE_RULES_MAX_ENTRIES 16384
/* Distinct rule sets per direction and slot, at most (a hash map, not preallocated: memory follows use). */
#define PALISADE_RULE_SETS_MAX_ENTRIES 16384
/* The conntrack map's size when the agent is not told another (it sets it before loading). */
#define PALISADE_CONNTRACK_DEFAULT_ENTRIES 16384
/* First fragments whose later fragments may follow, per pod. */
#define PALISADE_FRAGMENTS_MAX_ENTRIES 1024

/* How a pod's direction is enforced (pod_state.ingress_mode / egress_mode). */
#define PALISADE_MODE_ALLOW_ALL 0 /* no PolicyEndpoint isolates the pod: everything passes */
#define PALISADE_MODE_ENFORCE 1   /* isolated: only what the rule map allows passes */
/* Closed: strict mode before the pod's rules are programmed, or rules the agent could not program. */
#define PALISADE_MODE_DENY_ALL 2
/*
 * Only cluster policies (Admin, Baseline) apply, no NetworkPolicy isolates the pod: the rule map
 * decides what it matches, and what it does not decide passes.
 */
#define PALISADE_MODE_ENFORCE_OPEN 3

/* What a port range does with what it matches (port_range.action). */
#define PALISADE_ACTION_ALLOW 0 /* a NetworkPolicy's rule, or a cluster policy's Accept */
#define PALISADE_ACTION_DENY 1
#define PALISADE_ACTION_PASS 2 /* skips the rest of its tier: the next tier decides */

/*
 * The tier of the policy that decided a flow (port_range.tier, flow_event.tier). The ranges of a
 * rule set come in this order: Admin, then NetworkPolicy or Baseline (never both).
 */
#define PALISADE_TIER_NONE 0 /* no policy decided: the pod is not isolated in that direction */
#define PALISADE_TIER_ADMIN 1
#define PALISADE_TIER_NETWORK_POLICY 2
#define PALISADE_TIER_BASELINE 3

#define PALISADE_DIRECTION_INGRESS 0
#define PALISADE_DIRECTION_EGRESS 1

/* Address families of keys and events. IPv4 and IPv6 entries never match each other. */
#define PALISADE_FAMILY_IPV4 4
#define PALISADE_FAMILY_IPV6 6

#define PALISADE_VERDICT_ALLOW 0
#define PALISADE_VERDICT_DENY 1

#define PALISADE_EVENT_NEW_FLOW 0 /* first packet of a flow the policy allowed */
#define PALISADE_EVENT_DENIED 1   /* a packet the policy dropped (at most one per flow per second) */

/* Why a packet got its verdict (flow_event.reason). */
#define PALISADE_REASON_POLICY 0    /* the pod's rules, or no isolation (rule id 0) */
#define PALISADE_REASON_NODE 1      /* traffic with the pod's own node (kubelet probes) */
#define PALISADE_REASON_CUT 2       /* a packet of a connection a policy change cut */
#define PALISADE_REASON_ICMP 3      /* an ICMP error about no flow the pod let through */
#define PALISADE_REASON_FRAGMENT 4  /* a later fragment of no datagram the pod let through */
#define PALISADE_REASON_DENY_ALL 5  /* the direction is closed (strict mode, or the agent failed closed) */

/* Node-wide counters (index into the counters array). */
#define PALISADE_COUNTER_LOST_EVENTS 0
#define PALISADE_COUNTER_ALLOWED_FLOWS 1
#define PALISADE_COUNTER_DENIED_PACKETS 2
#define PALISADE_COUNTER_CONNTRACK_HITS 3
#define PALISADE_COUNTER_NODE_PACKETS 4    /* passed as traffic with the pod's node */
#define PALISADE_COUNTER_RELATED_ICMP 5    /* ICMP errors passed for a flow let through */
#define PALISADE_COUNTER_FRAGMENTS 6       /* later fragments passed for a first one let through */
#define PALISADE_COUNTER_REUSED_TUPLES 7   /* new flows written over the entry of an earlier flow of their tuple */
#define PALISADE_COUNTERS 8

/* Rule id 0 means "no rule": a flow allowed because the pod is not isolated. */
#define PALISADE_RULE_NONE 0

/* Conntrack entry states (flow_state.state). */
#define PALISADE_CT_NEW 0     /* TCP: SYN let through, no answer yet (short idle time) */
#define PALISADE_CT_OPEN 1    /* forward packets and replies pass */
#define PALISADE_CT_CLOSING 2 /* TCP: FIN both ways or RST; passes for a short linger, then gone */
/*
 * Cut by a policy change: both ways drop (a reply cannot bring it back) until a new SYN, or a new
 * non-TCP packet the policy allows, is judged again; it lingers while either side keeps sending.
 */
#define PALISADE_CT_CUT 3

/* flow_state.fin bits: which side has sent its FIN. */
#define PALISADE_FIN_FORWARD 1
#define PALISADE_FIN_REPLY 2

/*
 * LPM trie key: the family byte, then the address (IPv4 in the first 4 bytes). prefixlen counts
 * bits from the family byte, so an IPv4 prefix /p is 8 + p and an IPv6 one 8 + p: `::/0` (8 bits,
 * family 6) cannot cover an IPv4 address, nor the other way round.
 */
struct lpm_key {
	__u32 prefixlen;
	__u8 family;
	__u8 addr[16];
	__u8 pad[3];
};

/*
 * Exact-match key of the rules' hash map: one full-length address (/32, /128), as flows carry it
 * (IPv4 as ::ffff:a.b.c.d), and its family, so that IPv4 and IPv6 entries never match each other.
 */
struct exact_key {
	__u8 addr[16];
	__u8 family;
	__u8 pad[3];
};

/*
 * One port range of a rule set and what it does. protocol 0 matches any protocol; start 0 / end
 * 65535 any port.
 */
struct port_range {
	__u32 rule_id; /* the agent's id of the policy the range comes from, reported in events */
	__u16 start;
	__u16 end;
	__u8 protocol;
	__u8 action; /* PALISADE_ACTION_* */
	__u8 tier;   /* PALISADE_TIER_* */
	__u8 pad;
};

/*
 * What the rules covering an address prefix do, already merged: the ranges in the order they are
 * tried (the first that matches decides, a Pass skips the rest of its tier). Each one is
 * stored once per direction and slot, in the sets map; the exact and prefix entries hold its
 * index (a __u32), as most addresses share the same rules.
 */
struct rule_value {
	__u32 count;
	struct port_range ranges[PALISADE_MAX_PORT_RANGES];
};

/* Per pod, one entry. */
struct pod_state {
	__u32 ingress_mode;
	__u32 egress_mode;
	/*
	 * Which of the two rule maps of each direction is live. The agent fills the other one and then
	 * flips this word, so a rule set is never enforced half written.
	 */
	__u32 active_slot;
	__u32 pod_id;
	/* The pod's node (its hostIPs): traffic with it always passes. Zero: none of that family. */
	__u8 node_ipv4[4];
	__u8 node_ipv6[16];
	__u8 pad[4];
};

/*
 * A flow as the packet carries it: IPv4 addresses IPv4-mapped (::ffff:a.b.c.d), with the family
 * beside them, so that an IPv6 packet carrying a mapped address is still an IPv6 flow. ICMP echo
 * requests carry their id as sport (dport 0), echo replies as dport, so a reply is the reverse.
 */
struct flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 protocol;
	__u8 family;
	__u8 pad[2];
};

/*
 * A flow as the pod sees it: the pod's end and the peer's, the same key for its packets both ways
 * (the pod's end is the destination of ingress packets and the source of egress ones), so that one
 * lookup finds the flow a packet belongs to whichever way it crosses.
 */
struct conntrack_key {
	__u8 pod[16];
	__u8 peer[16];
	__u16 pod_port;
	__u16 peer_port;
	__u8 protocol;
	__u8 family;
	__u8 pad[2];
};

/*
 * A flow the pod's policy let through. `direction` is the way its first packet crossed: a packet
 * crossing that way is a forward packet, one crossing the other way a reply.
 */
struct flow_state {
	__u64 last_seen_ns; /* for CLOSING and CUT: when it closed or last dropped a packet */
	__u32 rule_id;
	__u8 direction;
	__u8 state;
	__u8 fin;
	__u8 pad;
};

/* The first fragment of a datagram let through, so that its later fragments (which carry no ports) pass. */
struct fragment_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id; /* IPv4 identification, or IPv6 fragment header identification */
	__u8 protocol;
	__u8 family;
	__u8 direction;
	__u8 pad;
};

/* The record the ring buffer carries. */
struct flow_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns(): monotonic */
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 protocol;
	__u8 direction;
	__u8 verdict;
	__u8 kind;
	__u32 rule_id;
	__u32 pod_id;
	__u8 family;
	__u8 reason;
	__u8 tier; /* PALISADE_TIER_* of the policy that decided */
	__u8 pad[5];
};

_Static_assert(sizeof(struct lpm_key) == 24, "lpm_key size");
_Static_assert(sizeof(struct exact_key) == 20, "exact_key size");
_Static_assert(sizeof(struct port_range) == 12, "port_range size");
_Static_assert(sizeof(struct rule_value) == 4 + 12 * PALISADE_MAX_PORT_RANGES, "rule_value size");
_Static_assert(sizeof(struct pod_state) == 40, "pod_state size");
_Static_assert(sizeof(struct flow_key) == 40, "flow_key size");
_Static_assert(sizeof(struct conntrack_key) == 40, "conntrack_key size");
_Static_assert(sizeof(struct flow_state) == 16, "flow_state size");
_Static_assert(sizeof(struct fragment_key) == 40, "fragment_key size");
_Static_assert(sizeof(struct flow_event) == 64, "flow_event size");

#endif
