// SPDX-License-Identifier: GPL-2.0
/*
 * Egress policy of one pod: attached to the TC ingress hook of the pod's host-side veth, where
 * traffic from the pod enters the node's namespace. The peer is the packet's destination.
 */
#include "datapath.bpf.h"

RULE_MAPS(egress);

SEC("tc")
int palisade_egress(struct __sk_buff *skb)
{
	return palisade_verdict(skb, PALISADE_DIRECTION_EGRESS, &egress_rule_maps);
}

char LICENSE[] SEC("license") = "GPL";
