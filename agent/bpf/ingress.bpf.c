// SPDX-License-Identifier: GPL-2.0
/*
 * Ingress policy of one pod: attached to the TC egress hook of the pod's host-side veth, where
 * traffic towards the pod leaves the node's namespace. The peer is the packet's source.
 */
#include "datapath.bpf.h"

RULE_MAPS(ingress);

SEC("tc")
int palisade_ingress(struct __sk_buff *skb)
{
	return palisade_verdict(skb, PALISADE_DIRECTION_INGRESS, &ingress_rule_maps);
}

char LICENSE[] SEC("license") = "GPL";
