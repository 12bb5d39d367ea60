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
#define PALISADE_CONNTRACK_MAX_ENTRIES 16384

/* How a pod's direction is enforced (pod_state.ingress_mode / egress_mode). */
#define PALISADE_MODE_ALLOW_ALL 0 /* no PolicyEndpoint isolates the pod: everything passes */
#define PALISADE_MODE_ENFORCE 1   /* isolated: only what the rule map allows passes */
#define PALISADE_MODE_DENY_ALL 2  /* strict mode before the pod's rules are programmed */

#define PALISADE_DIRECTION_INGRESS 0
#define PALISADE_DIRECTION_EGRESS 1

#define PALISADE_VERDICT_ALLOW 0
#define PALISADE_VERDICT_DENY 1

#define PALISADE_EVENT_NEW_FLOW 0 /* first packet of a flow the policy allowed */
#define PALISADE_EVENT_DENIED 1   /* a packet the policy dropped (at most one per flow per second) */

/* Node-wide counters (index into the counters array). */
#define PALISADE_COUNTER_LOST_EVENTS 0
#define PALISADE_COUNTER_ALLOWED_FLOWS 1
#define PALISADE_COUNTER_DENIED_PACKETS 2
#define PALISADE_COUNTER_CONNTRACK_HITS 3
#define PALISADE_COUNTERS 8

/* Rule id 0 means "no rule": a flow allowed because the pod is not isolated. */
#define PALISADE_RULE_NONE 0

/*
 * LPM trie key. IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so that one trie holds
 * both families; prefixlen counts bits of the 128-bit form.
 */
struct lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* One allowed port range. protocol 0 matches any protocol; start 0 / end 65535 any port. */
struct port_range {
	__u32 rule_id; /* the agent's id of the policy that allowed it, reported in events */
	__u16 start;
	__u16 end;
	__u8 protocol;
	__u8 pad[3];
};

/* What an address prefix may use: already the union of every rule covering the prefix. */
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
};

/* A flow as the packet carries it (addresses IPv4-mapped). */
struct flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 protocol;
	__u8 pad[3];
};

/* A flow the pod's policy let through, so that its later packets and replies pass. */
struct flow_state {
	__u64 last_seen_ns;
	__u32 rule_id;
	__u8 direction;
	__u8 pad[3];
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
};

_Static_assert(sizeof(struct lpm_key) == 20, "lpm_key size");
_Static_assert(sizeof(struct port_range) == 12, "port_range size");
_Static_assert(sizeof(struct rule_value) == 4 + 12 * PALISADE_MAX_PORT_RANGES, "rule_value size");
_Static_assert(sizeof(struct pod_state) == 16, "pod_state size");
_Static_assert(sizeof(struct flow_key) == 40, "flow_key size");
_Static_assert(sizeof(struct flow_state) == 16, "flow_state size");
_Static_assert(sizeof(struct flow_event) == 56, "flow_event size");

#endif
