// SPDX-License-Identifier: GPL-2.0
/*
 * Ingress policy of one pod: attached to the TC egress hook of the pod's host-side veth, where
 * traffic towards the pod leaves the node's namespace. The peer is the packet's source.
 */
#include "datapath.bpf.h"

RULES_MAP(ingress_rules_0);
RULES_MAP(ingress_rules_1);

SEC("tc")
int palisade_ingress(struct __sk_buff *skb)
{
	return palisade_verdict(skb, PALISADE_DIRECTION_INGRESS, &ingress_rules_0, &ingress_rules_1);
}

char LICENSE[] SEC("license") = "GPL";
