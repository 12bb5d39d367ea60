// SPDX-License-Identifier: GPL-2.0
/*
 * Egress policy of one pod: attached to the TC ingress hook of the pod's host-side veth, where
 * traffic from the pod enters the node's namespace. The peer is the packet's destination.
 */
#include "datapath.bpf.h"

RULES_MAP(egress_rules_0);
RULES_MAP(egress_rules_1);

SEC("tc")
int palisade_egress(struct __sk_buff *skb)
{
	return palisade_verdict(skb, PALISADE_DIRECTION_EGRESS, &egress_rules_0, &egress_rules_1);
}

char LICENSE[] SEC("license") = "GPL";
