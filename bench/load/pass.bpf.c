// SPDX-License-Identifier: GPL-2.0
/*
 * The per-connection benchmark's floor: a TC program that lets every packet through and does
 * nothing else. Attached to the server pod's veth in place of ours, it shows what having any TC
 * program there costs a connection on this machine, before the program does any work.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int pass(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
