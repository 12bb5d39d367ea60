// SPDX-License-Identifier: Apache-2.0
/*
 * The N-API addon over libbpf: loads and pins a pod's two TC programs and their maps, attaches
 * them to the pod's host-side veth (inside the lab node's network namespace), reads and writes
 * pinned maps, and streams the ring buffer to JavaScript from a thread of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <node_api.h>

#include "../bpf/palisade.h"

#define TC_HANDLE 0xbe
#define TC_PRIORITY 1

/* ---- N-API helpers ------------------------------------------------------------------------- */

static napi_value throw_error(napi_env env, const char *what, int err)
{
	char message[PATH_MAX + 256];
	snprintf(message, sizeof(message), "%s: %s", what, strerror(err < 0 ? -err : err));
	napi_throw_error(env, NULL, message);
	return NULL;
}

static int get_string(napi_env env, napi_value object, const char *name, char *out, size_t size)
{
	napi_value value;
	size_t length;
	if (napi_get_named_property(env, object, name, &value) != napi_ok)
		return -1;
	if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok)
		return -1;
	return 0;
}

static int get_buffer(napi_env env, napi_value value, void **data, size_t *length)
{
	return napi_get_buffer_info(env, value, data, length) == napi_ok ? 0 : -1;
}

static napi_value make_int(napi_env env, int64_t number)
{
	napi_value value;
	napi_create_int64(env, number, &value);
	return value;
}

static void set_int(napi_env env, napi_value object, const char *name, int64_t number)
{
	napi_set_named_property(env, object, name, make_int(env, number));
}

static napi_value args_of(napi_env env, napi_callback_info info, size_t expected, napi_value *argv)
{
	size_t argc = expected;
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < expected) {
		napi_throw_type_error(env, NULL, "missing arguments");
		return NULL;
	}
	return argv[0];
}

/* ---- network namespaces ------------------------------------------------------------------ */

/* Moves this thread into the namespace at `path` (empty: stay); `*saved` gets the way back. */
static int enter_netns(const char *path, int *saved)
{
	*saved = -1;
	if (!path[0])
		return 0;
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
		int err = errno;
		if (target >= 0)
			close(target);
		if (*saved >= 0)
			close(*saved);
		*saved = -1;
		return -err;
	}
	close(target);
	return 0;
}

static void leave_netns(int saved)
{
	if (saved < 0)
		return;
	setns(saved, CLONE_NEWNET);
	close(saved);
}

/* ---- programs ---------------------------------------------------------------------------- */

static int prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 length = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &length) < 0)
		return -errno;
	return info.id;
}

/* The id of the program attached at our handle on `hook`, 0 when none. */
static int attached_id(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	if (bpf_tc_query(&hook, &opts) < 0)
		return 0;
	return opts.prog_id;
}

static int attach_fd(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	int err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	return bpf_tc_attach(&hook, &opts);
}

static int is_node_map(const char *name)
{
	return !strcmp(name, "events") || !strcmp(name, "counters") || !strcmp(name, "deny_reported");
}

/*
 * Opens `object_path`, pins each map (the pod's in `pod_dir`, the node's in `node_dir`; maps
 * already pinned there are reused, which is how a pod's two programs share their maps), loads it
 * and pins the program at `prog_pin`. Returns the program's fd.
 */
static int load_program(const char *object_path, const char *pod_dir, const char *node_dir, const char *prog_pin,
			uint32_t conntrack_entries, char *error, size_t error_size)
{
	struct bpf_object *object = bpf_object__open_file(object_path, NULL);
	int err = libbpf_get_error(object);
	if (err) {
		snprintf(error, error_size, "open %s", object_path);
		return err;
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, object)
	{
		const char *name = bpf_map__name(map);
		char path[PATH_MAX];
		if (strchr(name, '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", is_node_map(name) ? node_dir : pod_dir, name);
		err = bpf_map__set_pin_path(map, path);
		/* Both programs of a pod set the same size, so the second reuses the first's pinned map. */
		if (!err && conntrack_entries && !strcmp(name, "conntrack"))
			err = bpf_map__set_max_entries(map, conntrack_entries);
		if (err) {
			snprintf(error, error_size, "prepare map %s of %s", name, object_path);
			bpf_object__close(object);
			return err;
		}
	}
	err = bpf_object__load(object);
	if (err) {
		snprintf(error, error_size, "load %s", object_path);
		bpf_object__close(object);
		return err;
	}
	struct bpf_program *program = bpf_object__next_program(object, NULL);
	unlink(prog_pin);
	err = bpf_program__pin(program, prog_pin);
	if (err) {
		snprintf(error, error_size, "pin %s", prog_pin);
		bpf_object__close(object);
		return err;
	}
	int fd = dup(bpf_program__fd(program));
	bpf_object__close(object);
	return fd;
}

/*
 * attachPod({ingressObject, egressObject, podDir, nodeDir, netns, ifname}) → {adopted, ingressId, egressId}
 * When the pod's pinned programs are already attached (an agent restart), they are adopted as
 * they are: nothing is loaded, duplicated or torn down.
 */
static napi_value attach_pod(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	if (!args_of(env, info, 1, argv))
		return NULL;
	char ingress_object[PATH_MAX], egress_object[PATH_MAX], pod_dir[PATH_MAX], node_dir[PATH_MAX], netns[PATH_MAX],
		ifname[IF_NAMESIZE + 1];
	if (get_string(env, argv[0], "ingressObject", ingress_object, sizeof(ingress_object)) ||
	    get_string(env, argv[0], "egressObject", egress_object, sizeof(egress_object)) ||
	    get_string(env, argv[0], "podDir", pod_dir, sizeof(pod_dir)) ||
	    get_string(env, argv[0], "nodeDir", node_dir, sizeof(node_dir)) ||
	    get_string(env, argv[0], "netns", netns, sizeof(netns)) ||
	    get_string(env, argv[0], "ifname", ifname, sizeof(ifname))) {
		napi_throw_type_error(env, NULL, "attachPod needs ingressObject, egressObject, podDir, nodeDir, netns, ifname");
		return NULL;
	}
	uint32_t conntrack_entries = 0;
	napi_value entries;
	bool has_entries = false;
	if (napi_has_named_property(env, argv[0], "conntrackEntries", &has_entries) != napi_ok ||
	    (has_entries && (napi_get_named_property(env, argv[0], "conntrackEntries", &entries) != napi_ok ||
			     napi_get_value_uint32(env, entries, &conntrack_entries) != napi_ok))) {
		napi_throw_type_error(env, NULL, "attachPod: conntrackEntries must be a number");
		return NULL;
	}
	char ingress_pin[PATH_MAX + 16], egress_pin[PATH_MAX + 16], error[PATH_MAX + 64] = "";
	snprintf(ingress_pin, sizeof(ingress_pin), "%s/prog_ingress", pod_dir);
	snprintf(egress_pin, sizeof(egress_pin), "%s/prog_egress", pod_dir);
	mkdir(pod_dir, 0700);

	int saved, err = enter_netns(netns, &saved);
	if (err)
		return throw_error(env, "enter network namespace", err);
	int ifindex = if_nametoindex(ifname);
	int ingress_fd = -1, egress_fd = -1, adopted = 0;
	if (!ifindex) {
		err = -errno;
		snprintf(error, sizeof(error), "find interface %s", ifname);
		goto out;
	}
	ingress_fd = bpf_obj_get(ingress_pin);
	egress_fd = bpf_obj_get(egress_pin);
	if (ingress_fd >= 0 && egress_fd >= 0) {
		/* Pinned already: adopt, re-attaching only a hook that lost its program. */
		adopted = 1;
	} else {
		if (ingress_fd >= 0)
			close(ingress_fd);
		if (egress_fd >= 0)
			close(egress_fd);
		egress_fd = load_program(egress_object, pod_dir, node_dir, egress_pin, conntrack_entries, error,
					 sizeof(error));
		if (egress_fd < 0) {
			err = egress_fd;
			goto out;
		}
		ingress_fd = load_program(ingress_object, pod_dir, node_dir, ingress_pin, conntrack_entries, error,
					  sizeof(error));
		if (ingress_fd < 0) {
			err = ingress_fd;
			goto out;
		}
	}
	/* Traffic from the pod enters at the veth's TC ingress: the pod's egress policy. */
	if (attached_id(ifindex, BPF_TC_INGRESS) != prog_id_of(egress_fd) &&
	    (err = attach_fd(ifindex, BPF_TC_INGRESS, egress_fd))) {
		snprintf(error, sizeof(error), "attach egress program to %s", ifname);
		goto out;
	}
	if (attached_id(ifindex, BPF_TC_EGRESS) != prog_id_of(ingress_fd) &&
	    (err = attach_fd(ifindex, BPF_TC_EGRESS, ingress_fd))) {
		snprintf(error, sizeof(error), "attach ingress program to %s", ifname);
		goto out;
	}
out:;
	int ingress_id = ingress_fd >= 0 ? prog_id_of(ingress_fd) : 0;
	int egress_id = egress_fd >= 0 ? prog_id_of(egress_fd) : 0;
	if (ingress_fd >= 0)
		close(ingress_fd);
	if (egress_fd >= 0)
		close(egress_fd);
	leave_netns(saved);
	if (err)
		return throw_error(env, error, err);
	napi_value result, flag;
	napi_create_object(env, &result);
	napi_get_boolean(env, adopted, &flag);
	napi_set_named_property(env, result, "adopted", flag);
	set_int(env, result, "ingressId", ingress_id);
	set_int(env, result, "egressId", egress_id);
	return result;
}

/* attachedPrograms(netns, ifname) → {ingressId, egressId}: what TC runs on the veth now (0: none). */
static napi_value attached_programs(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	if (!args_of(env, info, 2, argv))
		return NULL;
	char netns[PATH_MAX], ifname[IF_NAMESIZE + 1];
	size_t length;
	napi_get_value_string_utf8(env, argv[0], netns, sizeof(netns), &length);
	napi_get_value_string_utf8(env, argv[1], ifname, sizeof(ifname), &length);
	int saved, err = enter_netns(netns, &saved);
	if (err)
		return throw_error(env, "enter network namespace", err);
	int ifindex = if_nametoindex(ifname);
	int ingress = ifindex ? attached_id(ifindex, BPF_TC_EGRESS) : 0;
	int egress = ifindex ? attached_id(ifindex, BPF_TC_INGRESS) : 0;
	leave_netns(saved);
	napi_value result;
	napi_create_object(env, &result);
	set_int(env, result, "ingressId", ingress);
	set_int(env, result, "egressId", egress);
	return result;
}

/* detachPod(netns, ifname): removes our TC filters from the veth (a gone veth is fine). */
static napi_value detach_pod(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	if (!args_of(env, info, 2, argv))
		return NULL;
	char netns[PATH_MAX], ifname[IF_NAMESIZE + 1];
	size_t length;
	napi_get_value_string_utf8(env, argv[0], netns, sizeof(netns), &length);
	napi_get_value_string_utf8(env, argv[1], ifname, sizeof(ifname), &length);
	int saved, err = enter_netns(netns, &saved);
	if (err)
		return NULL; /* the namespace is gone, and the veth and its filters with it */
	int ifindex = if_nametoindex(ifname);
	if (ifindex) {
		enum bpf_tc_attach_point points[] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
		for (int i = 0; i < 2; i++) {
			DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = points[i]);
			DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
			bpf_tc_detach(&hook, &opts);
		}
	}
	leave_netns(saved);
	return NULL;
}

/* ---- maps -------------------------------------------------------------------------------- */

/* openPinned(path) → fd */
static napi_value open_pinned(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	if (!args_of(env, info, 1, argv))
		return NULL;
	char path[PATH_MAX], what[PATH_MAX + 16];
	size_t length;
	napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &length);
	int fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(what, sizeof(what), "open %s", path);
		return throw_error(env, what, errno);
	}
	return make_int(env, fd);
}

static int fd_arg(napi_env env, napi_value value)
{
	int32_t fd = -1;
	napi_get_value_int32(env, value, &fd);
	return fd;
}

/* closeFd(fd) */
static napi_value close_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	if (!args_of(env, info, 1, argv))
		return NULL;
	close(fd_arg(env, argv[0]));
	return NULL;
}

/* mapUpdate(fd, keys, values, count): writes `count` entries laid out back to back. */
static napi_value map_update(napi_env env, napi_callback_info info)
{
	napi_value argv[4];
	if (!args_of(env, info, 4, argv))
		return NULL;
	int fd = fd_arg(env, argv[0]);
	void *keys, *values;
	size_t keys_length, values_length;
	uint32_t count;
	if (get_buffer(env, argv[1], &keys, &keys_length) || get_buffer(env, argv[2], &values, &values_length) ||
	    napi_get_value_uint32(env, argv[3], &count) != napi_ok || !count || keys_length % count || values_length % count) {
		napi_throw_type_error(env, NULL, "mapUpdate(fd, keys, values, count)");
		return NULL;
	}
	size_t key_size = keys_length / count, value_size = values_length / count;
	for (uint32_t i = 0; i < count; i++) {
		if (bpf_map_update_elem(fd, (char *)keys + i * key_size, (char *)values + i * value_size, BPF_ANY) < 0)
			return throw_error(env, "map update", errno);
	}
	return NULL;
}

/* mapLookup(fd, key, valueSize) → Buffer | null */
static napi_value map_lookup(napi_env env, napi_callback_info info)
{
	napi_value argv[3], result;
	if (!args_of(env, info, 3, argv))
		return NULL;
	void *key, *value;
	size_t key_length;
	uint32_t value_size;
	get_buffer(env, argv[1], &key, &key_length);
	napi_get_value_uint32(env, argv[2], &value_size);
	napi_create_buffer(env, value_size, &value, &result);
	if (bpf_map_lookup_elem(fd_arg(env, argv[0]), key, value) < 0) {
		if (errno == ENOENT) {
			napi_get_null(env, &result);
			return result;
		}
		return throw_error(env, "map lookup", errno);
	}
	return result;
}

/* mapDelete(fd, key) → whether it was there */
static napi_value map_delete(napi_env env, napi_callback_info info)
{
	napi_value argv[2], result;
	if (!args_of(env, info, 2, argv))
		return NULL;
	void *key;
	size_t key_length;
	get_buffer(env, argv[1], &key, &key_length);
	int err = bpf_map_delete_elem(fd_arg(env, argv[0]), key);
	if (err < 0 && errno != ENOENT)
		return throw_error(env, "map delete", errno);
	napi_get_boolean(env, err == 0, &result);
	return result;
}

/* mapKeys(fd, keySize) → Buffer of every key, back to back */
static napi_value map_keys(napi_env env, napi_callback_info info)
{
	napi_value argv[2], result;
	if (!args_of(env, info, 2, argv))
		return NULL;
	int fd = fd_arg(env, argv[0]);
	uint32_t key_size;
	napi_get_value_uint32(env, argv[1], &key_size);
	size_t capacity = 64, count = 0;
	char *keys = malloc(capacity * key_size), *previous = NULL;
	while (keys) {
		if (count == capacity) {
			char *grown = realloc(keys, (capacity *= 2) * key_size);
			if (!grown)
				break;
			keys = grown;
		}
		if (bpf_map_get_next_key(fd, previous, keys + count * key_size) < 0)
			break;
		previous = keys + count * key_size;
		count++;
	}
	void *data;
	napi_create_buffer_copy(env, count * key_size, keys, &data, &result);
	free(keys);
	return result;
}

/* mapInfo(fd) → {name, keySize, valueSize, maxEntries}: what the kernel says of a map. */
static napi_value map_info(napi_env env, napi_callback_info info)
{
	napi_value argv[1], result, name;
	if (!args_of(env, info, 1, argv))
		return NULL;
	struct bpf_map_info map = {};
	__u32 length = sizeof(map);
	if (bpf_obj_get_info_by_fd(fd_arg(env, argv[0]), &map, &length) < 0)
		return throw_error(env, "map info", errno);
	napi_create_object(env, &result);
	napi_create_string_utf8(env, map.name, NAPI_AUTO_LENGTH, &name);
	napi_set_named_property(env, result, "name", name);
	set_int(env, result, "keySize", map.key_size);
	set_int(env, result, "valueSize", map.value_size);
	set_int(env, result, "maxEntries", map.max_entries);
	return result;
}

/* possibleCpus() → how many values a per-CPU map entry holds */
static napi_value possible_cpus(napi_env env, napi_callback_info info)
{
	(void)info;
	return make_int(env, libbpf_num_possible_cpus());
}

/* ---- the ring buffer --------------------------------------------------------------------- */

struct batch {
	char *data;
	size_t length;
	size_t capacity;
};

struct ring {
	struct ring_buffer *buffer;
	napi_threadsafe_function deliver;
	pthread_t thread;
	volatile int stop;
	struct batch pending;
};

static int collect(void *context, void *data, size_t size)
{
	struct batch *batch = context;
	if (batch->length + size > batch->capacity) {
		size_t capacity = batch->capacity ? batch->capacity * 2 : 64 * 1024;
		while (capacity < batch->length + size)
			capacity *= 2;
		char *grown = realloc(batch->data, capacity);
		if (!grown)
			return -ENOMEM;
		batch->data = grown;
		batch->capacity = capacity;
	}
	memcpy(batch->data + batch->length, data, size);
	batch->length += size;
	return 0;
}

/* Microseconds between two batches handed to JavaScript. */
#define GATHER_US 10000

static void *poll_ring(void *argument)
{
	struct ring *ring = argument;
	while (!ring->stop) {
		ring_buffer__poll(ring->buffer, 100);
		if (!ring->pending.length)
			continue;
		struct batch *handed = malloc(sizeof(*handed));
		if (!handed)
			continue;
		*handed = ring->pending;
		ring->pending = (struct batch){ 0 };
		/* Blocking: when JavaScript falls behind, the kernel's buffer holds the rest (and counts losses). */
		if (napi_call_threadsafe_function(ring->deliver, handed, napi_tsfn_blocking) != napi_ok) {
			free(handed->data);
			free(handed);
		}
		/* One batch per GATHER_US at most: under load each carries many events (the kernel's
		 * 16 MB buffer holds them meanwhile), so what JavaScript does per batch is paid rarely. */
		usleep(GATHER_US);
	}
	return NULL;
}

static void free_batch(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)data;
	free(hint);
}

static void call_js(napi_env env, napi_value callback, void *context, void *data)
{
	(void)context;
	struct batch *batch = data;
	if (env && callback) {
		napi_value buffer, undefined;
		napi_create_external_buffer(env, batch->length, batch->data, free_batch, batch->data, &buffer);
		napi_get_undefined(env, &undefined);
		napi_call_function(env, undefined, callback, 1, &buffer, NULL);
	} else {
		free(batch->data);
	}
	free(batch);
}

static void finalize_ring(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	struct ring *ring = data;
	if (!ring->stop) {
		ring->stop = 1;
		pthread_join(ring->thread, NULL);
	}
	ring_buffer__free(ring->buffer);
	free(ring->pending.data);
	free(ring);
}

/* ringOpen(path, onBatch) → handle: onBatch(Buffer) gets flow events, back to back. */
static napi_value ring_open(napi_env env, napi_callback_info info)
{
	napi_value argv[2], handle, name;
	if (!args_of(env, info, 2, argv))
		return NULL;
	char path[PATH_MAX], what[PATH_MAX + 16];
	size_t length;
	napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &length);
	int fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(what, sizeof(what), "open %s", path);
		return throw_error(env, what, errno);
	}
	struct ring *ring = calloc(1, sizeof(*ring));
	ring->buffer = ring_buffer__new(fd, collect, &ring->pending, NULL);
	close(fd);
	if (!ring->buffer) {
		free(ring);
		return throw_error(env, "ring buffer", errno);
	}
	napi_create_string_utf8(env, "palisade-ring", NAPI_AUTO_LENGTH, &name);
	napi_create_threadsafe_function(env, argv[1], NULL, name, 16, 1, NULL, NULL, NULL, call_js, &ring->deliver);
	napi_create_object(env, &handle);
	napi_wrap(env, handle, ring, finalize_ring, NULL, NULL);
	pthread_create(&ring->thread, NULL, poll_ring, ring);
	return handle;
}

/* ringClose(handle): stops the thread; the process may exit afterwards. */
static napi_value ring_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	if (!args_of(env, info, 1, argv))
		return NULL;
	struct ring *ring;
	if (napi_unwrap(env, argv[0], (void **)&ring) != napi_ok || ring->stop)
		return NULL;
	ring->stop = 1;
	pthread_join(ring->thread, NULL);
	napi_release_threadsafe_function(ring->deliver, napi_tsfn_abort);
	return NULL;
}

/* ---- layout ------------------------------------------------------------------------------ */

#define FIELD(object, type, field) set_int(env, object, #field, offsetof(struct type, field))

static napi_value struct_of(napi_env env, size_t size)
{
	napi_value object, fields;
	napi_create_object(env, &object);
	napi_create_object(env, &fields);
	set_int(env, object, "size", size);
	napi_set_named_property(env, object, "offsets", fields);
	return fields;
}

/* layout() → {struct: {size, offsets: {field: offset}}}: what the C compiler made of palisade.h. */
static napi_value layout(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value result, fields, holder;
	napi_create_object(env, &result);
#define STRUCT(type)                                                                                       \
	fields = struct_of(env, sizeof(struct type));                                                            \
	napi_create_object(env, &holder);                                                                        \
	set_int(env, holder, "size", sizeof(struct type));                                                       \
	napi_set_named_property(env, holder, "offsets", fields);                                                 \
	napi_set_named_property(env, result, #type, holder)
	STRUCT(lpm_key);
	FIELD(fields, lpm_key, prefixlen);
	FIELD(fields, lpm_key, family);
	FIELD(fields, lpm_key, addr);
	STRUCT(port_range);
	FIELD(fields, port_range, rule_id);
	FIELD(fields, port_range, start);
	FIELD(fields, port_range, end);
	FIELD(fields, port_range, protocol);
	STRUCT(rule_value);
	FIELD(fields, rule_value, count);
	FIELD(fields, rule_value, ranges);
	STRUCT(pod_state);
	FIELD(fields, pod_state, ingress_mode);
	FIELD(fields, pod_state, egress_mode);
	FIELD(fields, pod_state, active_slot);
	FIELD(fields, pod_state, pod_id);
	FIELD(fields, pod_state, node_ipv4);
	FIELD(fields, pod_state, node_ipv6);
	STRUCT(flow_key);
	FIELD(fields, flow_key, src);
	FIELD(fields, flow_key, dst);
	FIELD(fields, flow_key, sport);
	FIELD(fields, flow_key, dport);
	FIELD(fields, flow_key, protocol);
	FIELD(fields, flow_key, family);
	STRUCT(flow_state);
	FIELD(fields, flow_state, last_seen_ns);
	FIELD(fields, flow_state, rule_id);
	FIELD(fields, flow_state, direction);
	FIELD(fields, flow_state, state);
	FIELD(fields, flow_state, fin);
	STRUCT(fragment_key);
	FIELD(fields, fragment_key, src);
	FIELD(fields, fragment_key, dst);
	FIELD(fields, fragment_key, id);
	FIELD(fields, fragment_key, protocol);
	FIELD(fields, fragment_key, family);
	FIELD(fields, fragment_key, direction);
	STRUCT(flow_event);
	FIELD(fields, flow_event, timestamp_ns);
	FIELD(fields, flow_event, src);
	FIELD(fields, flow_event, dst);
	FIELD(fields, flow_event, sport);
	FIELD(fields, flow_event, dport);
	FIELD(fields, flow_event, protocol);
	FIELD(fields, flow_event, direction);
	FIELD(fields, flow_event, verdict);
	FIELD(fields, flow_event, kind);
	FIELD(fields, flow_event, rule_id);
	FIELD(fields, flow_event, pod_id);
	FIELD(fields, flow_event, family);
	FIELD(fields, flow_event, reason);
	set_int(env, result, "maxPortRanges", PALISADE_MAX_PORT_RANGES);
	return result;
}

/* libbpf's own messages (probing for a qdisc before creating it, …) only with PALISADE_DEBUG set. */
static int quiet_print(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	return getenv("PALISADE_DEBUG") ? vfprintf(stderr, format, args) : 0;
}

static napi_value init(napi_env env, napi_value exports)
{
	libbpf_set_print(quiet_print);
	napi_property_descriptor functions[] = {
		{ "attachPod", NULL, attach_pod, NULL, NULL, NULL, napi_default, NULL },
		{ "attachedPrograms", NULL, attached_programs, NULL, NULL, NULL, napi_default, NULL },
		{ "detachPod", NULL, detach_pod, NULL, NULL, NULL, napi_default, NULL },
		{ "openPinned", NULL, open_pinned, NULL, NULL, NULL, napi_default, NULL },
		{ "closeFd", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL },
		{ "mapUpdate", NULL, map_update, NULL, NULL, NULL, napi_default, NULL },
		{ "mapLookup", NULL, map_lookup, NULL, NULL, NULL, napi_default, NULL },
		{ "mapDelete", NULL, map_delete, NULL, NULL, NULL, napi_default, NULL },
		{ "mapKeys", NULL, map_keys, NULL, NULL, NULL, napi_default, NULL },
		{ "mapInfo", NULL, map_info, NULL, NULL, NULL, napi_default, NULL },
		{ "possibleCpus", NULL, possible_cpus, NULL, NULL, NULL, napi_default, NULL },
		{ "ringOpen", NULL, ring_open, NULL, NULL, NULL, napi_default, NULL },
		{ "ringClose", NULL, ring_close, NULL, NULL, NULL, napi_default, NULL },
		{ "layout", NULL, layout, NULL, NULL, NULL, napi_default, NULL },
	};
	napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
