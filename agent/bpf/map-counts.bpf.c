// SPDX-License-Identifier: GPL-2.0
/*
 * How many entries each map of the kernel holds, without reading them: an iterator over all maps
 * that writes, for each, its id and the kernel's own count of its elements (bpf_map_sum_elem_count,
 * Linux 6.6 and later; kept for hash maps of every kind, 0 for other maps). Reading it costs a few
 * microseconds however full the maps are, where walking a busy conntrack copies every entry.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The kernel's types, as far as this program reads them; libbpf finds the fields' offsets (CO-RE). */
struct seq_file;
struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));
struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));
struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* One record per map: what agent/datapath/introspect.ts reads. */
struct map_count {
	__u32 id;
	__u32 pad;
	__s64 entries;
};

SEC("iter/bpf_map")
int map_counts(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	if (!map)
		return 0;
	struct map_count record = { .id = map->id, .entries = bpf_map_sum_elem_count(map) };
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
