// SPDX-License-Identifier: Apache-2.0
/*
 * The N-API addon over libbpf: loads and pins a pod's two TC programs and their maps, attaches
 * them to the pod's host-side veth (inside the lab node's network namespace), reads and writes
 * pinned maps, and streams the ring buffer to JavaScript from a thread of its own.
 *
 * Every failure is thrown as a JavaScript Error that names what failed (the map, the object, the
 * interface); buffers handed in are checked against the map's own key and value sizes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* Throws "what: strerror(err)" as a JavaScript Error; returns NULL for the caller to return. */
static napi_value throw_error(napi_env env, const char *what, int err)
{
	char message[PATH_MAX + 256];
	snprintf(message, sizeof(message), "%s: %s", what, strerror(err < 0 ? -err : err));
	napi_throw_error(env, NULL, message);
	return NULL;
}

/* Throws a TypeError built like printf; returns NULL. */
static napi_value throw_type(napi_env env, const char *format, ...) __attribute__((format(printf, 2, 3)));
static napi_value throw_type(napi_env env, const char *format, ...)
{
	char message[PATH_MAX + 256];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	napi_throw_type_error(env, NULL, message);
	return NULL;
}

/*
 * Every N-API call is checked: a failure becomes a JavaScript error naming the call (unless one
 * is pending already), and the function returns NULL.
 */
#define NAPI_CALL(env, call)                                                                               \
	do {                                                                                                     \
		if ((call) != napi_ok) {                                                                               \
			bool pending = false;                                                                                \
			napi_is_exception_pending((env), &pending);                                                          \
			if (!pending)                                                                                        \
				napi_throw_error((env), NULL, "N-API call failed: " #call);                                        \
			return NULL;                                                                                         \
		}                                                                                                        \
	} while (0)

/* A string argument; a string that would not fit is refused rather than silently cut. */
static int string_of(napi_env env, napi_value value, char *out, size_t size)
{
	size_t length;
	if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok)
		return -1;
	return length + 1 < size ? 0 : -1;
}

static int get_string(napi_env env, napi_value object, const char *name, char *out, size_t size)
{
	napi_value value;
	if (napi_get_named_property(env, object, name, &value) != napi_ok)
		return -1;
	return string_of(env, value, out, size);
}

/* An optional whole number property: 0 when absent, -1 when present and not a uint32. */
static int get_optional_uint32(napi_env env, napi_value object, const char *name, uint32_t *out)
{
	napi_value value;
	bool has = false;
	*out = 0;
	if (napi_has_named_property(env, object, name, &has) != napi_ok)
		return -1;
	if (!has)
		return 0;
	return napi_get_named_property(env, object, name, &value) == napi_ok &&
			       napi_get_value_uint32(env, value, out) == napi_ok
		       ? 0
		       : -1;
}

static int get_buffer(napi_env env, napi_value value, void **data, size_t *length)
{
	bool is_buffer = false;
	if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer)
		return -1;
	return napi_get_buffer_info(env, value, data, length) == napi_ok ? 0 : -1;
}

static int fd_of(napi_env env, napi_value value, int *fd)
{
	int32_t number;
	if (napi_get_value_int32(env, value, &number) != napi_ok || number < 0)
		return -1;
	*fd = number;
	return 0;
}

static int set_int(napi_env env, napi_value object, const char *name, int64_t number)
{
	napi_value value;
	if (napi_create_int64(env, number, &value) != napi_ok)
		return -1;
	return napi_set_named_property(env, object, name, value) == napi_ok ? 0 : -1;
}

/* The arguments of a call, at least `expected` of them; false (with a TypeError thrown) otherwise. */
static bool args_of(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *usage)
{
	size_t argc = expected;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < expected) {
		throw_type(env, "%s", usage);
		return false;
	}
	return true;
}

/* The one argument of a call taking a path (of PATH_MAX bytes at most); false (with a TypeError thrown) otherwise. */
static bool path_arg(napi_env env, napi_callback_info info, const char *usage, char *path)
{
	napi_value argv[1];
	if (!args_of(env, info, 1, argv, usage))
		return false;
	if (string_of(env, argv[0], path, PATH_MAX)) {
		throw_type(env, "%s: the path must be a string shorter than %d bytes", usage, PATH_MAX);
		return false;
	}
	return true;
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

/* Returns this thread to the namespace `saved` came from; -errno when it cannot. */
static int leave_netns(int saved)
{
	if (saved < 0)
		return 0;
	int err = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;
	close(saved);
	return err;
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

/* Sizes a pod's maps take when they are made (0: the size the object declares). */
struct map_sizes {
	uint32_t conntrack;
	uint32_t rules;
	uint32_t rule_sets;
};

/*
 * Opens `object_path`, pins each map (the pod's in `pod_dir`, the node's in `node_dir`; maps
 * already pinned there are reused, which is how a pod's two programs share their maps), sizes
 * the conntrack, rule and rule set maps, loads it and pins the program at `prog_pin`. Returns the program's
 * fd, or -errno with `error` set.
 */
static int load_program(const char *object_path, const char *pod_dir, const char *node_dir, const char *prog_pin,
			const struct map_sizes *sizes, char *error, size_t error_size)
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
		if (snprintf(path, sizeof(path), "%s/%s", is_node_map(name) ? node_dir : pod_dir, name) >=
		    (int)sizeof(path)) {
			err = -ENAMETOOLONG;
		} else {
			err = bpf_map__set_pin_path(map, path);
			/* Both programs of a pod set the same sizes, so the second reuses the first's pinned maps. */
			if (!err && sizes->conntrack && !strcmp(name, "conntrack"))
				err = bpf_map__set_max_entries(map, sizes->conntrack);
			if (!err && sizes->rules && (strstr(name, "_rules_") || strstr(name, "_exact_")))
				err = bpf_map__set_max_entries(map, sizes->rules);
			if (!err && sizes->rule_sets && strstr(name, "_sets_"))
				err = bpf_map__set_max_entries(map, sizes->rule_sets);
		}
		if (err) {
			snprintf(error, error_size, "prepare map %s of %s", name, object_path);
			bpf_object__close(object);
			return err;
		}
	}
	err = bpf_object__load(object);
	if (err) {
		snprintf(error, error_size, "load %s (maps pinned in %s and %s)", object_path, pod_dir, node_dir);
		bpf_object__close(object);
		return err;
	}
	struct bpf_program *program = bpf_object__next_program(object, NULL);
	if (!program) {
		snprintf(error, error_size, "%s has no program", object_path);
		bpf_object__close(object);
		return -ENOENT;
	}
	if (unlink(prog_pin) < 0 && errno != ENOENT) {
		err = -errno;
		snprintf(error, error_size, "unpin %s", prog_pin);
		bpf_object__close(object);
		return err;
	}
	err = bpf_program__pin(program, prog_pin);
	if (err) {
		snprintf(error, error_size, "pin %s", prog_pin);
		bpf_object__close(object);
		return err;
	}
	int fd = dup(bpf_program__fd(program));
	if (fd < 0) {
		err = -errno;
		snprintf(error, error_size, "keep %s open", prog_pin);
	}
	bpf_object__close(object);
	return fd < 0 ? err : fd;
}

/*
 * attachPod({ingressObject, egressObject, podDir, nodeDir, netns, ifname, conntrackEntries?,
 *   rulesMaxEntries?, ruleSetsMaxEntries?}) → {adopted, ingressId, egressId}
 * When the pod's pinned programs are already attached (an agent restart), they are adopted as
 * they are: nothing is loaded, duplicated or torn down. rulesMaxEntries sizes each rule map
 * (default PALISADE_RULES_MAX_ENTRIES; the per-packet benchmark's 1M entries need more),
 * ruleSetsMaxEntries each map of distinct rule sets (default PALISADE_RULE_SETS_MAX_ENTRIES).
 */
static napi_value attach_pod(napi_env env, napi_callback_info info)
{
	static const char usage[] =
		"attachPod needs {ingressObject, egressObject, podDir, nodeDir, netns, ifname} (paths, an interface name) and optional conntrackEntries, rulesMaxEntries, ruleSetsMaxEntries";
	napi_value argv[1];
	if (!args_of(env, info, 1, argv, usage))
		return NULL;
	char ingress_object[PATH_MAX], egress_object[PATH_MAX], pod_dir[PATH_MAX - 32], node_dir[PATH_MAX - 32],
		netns[PATH_MAX], ifname[IF_NAMESIZE];
	if (get_string(env, argv[0], "ingressObject", ingress_object, sizeof(ingress_object)) ||
	    get_string(env, argv[0], "egressObject", egress_object, sizeof(egress_object)) ||
	    get_string(env, argv[0], "podDir", pod_dir, sizeof(pod_dir)) ||
	    get_string(env, argv[0], "nodeDir", node_dir, sizeof(node_dir)) ||
	    get_string(env, argv[0], "netns", netns, sizeof(netns)) ||
	    get_string(env, argv[0], "ifname", ifname, sizeof(ifname)))
		return throw_type(env, "%s", usage);
	struct map_sizes sizes;
	if (get_optional_uint32(env, argv[0], "conntrackEntries", &sizes.conntrack))
		return throw_type(env, "attachPod: conntrackEntries must be a whole number");
	if (get_optional_uint32(env, argv[0], "rulesMaxEntries", &sizes.rules))
		return throw_type(env, "attachPod: rulesMaxEntries must be a whole number");
	if (get_optional_uint32(env, argv[0], "ruleSetsMaxEntries", &sizes.rule_sets))
		return throw_type(env, "attachPod: ruleSetsMaxEntries must be a whole number");
	char ingress_pin[PATH_MAX], egress_pin[PATH_MAX], error[PATH_MAX * 3] = "";
	snprintf(ingress_pin, sizeof(ingress_pin), "%s/prog_ingress", pod_dir);
	snprintf(egress_pin, sizeof(egress_pin), "%s/prog_egress", pod_dir);
	if (mkdir(pod_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(error, sizeof(error), "make %s", pod_dir);
		return throw_error(env, error, errno);
	}

	int saved, err = enter_netns(netns, &saved);
	if (err) {
		snprintf(error, sizeof(error), "enter network namespace %s", netns);
		return throw_error(env, error, err);
	}
	int ifindex = if_nametoindex(ifname);
	int ingress_fd = -1, egress_fd = -1, adopted = 0;
	if (!ifindex) {
		err = -errno;
		snprintf(error, sizeof(error), "find interface %s in %s", ifname, netns[0] ? netns : "the agent's namespace");
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
		ingress_fd = -1;
		egress_fd = load_program(egress_object, pod_dir, node_dir, egress_pin, &sizes, error,
					 sizeof(error));
		if (egress_fd < 0) {
			err = egress_fd;
			goto out;
		}
		ingress_fd = load_program(ingress_object, pod_dir, node_dir, ingress_pin, &sizes, error,
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
	/* A thread that cannot go back would do all that follows in the pod's node's namespace. */
	int left = leave_netns(saved);
	if (left)
		return throw_error(env, "return to the agent's network namespace", left);
	if (err)
		return throw_error(env, error, err);
	napi_value result, flag;
	NAPI_CALL(env, napi_create_object(env, &result));
	NAPI_CALL(env, napi_get_boolean(env, adopted, &flag));
	NAPI_CALL(env, napi_set_named_property(env, result, "adopted", flag));
	NAPI_CALL(env, set_int(env, result, "ingressId", ingress_id) == 0 ? napi_ok : napi_generic_failure);
	NAPI_CALL(env, set_int(env, result, "egressId", egress_id) == 0 ? napi_ok : napi_generic_failure);
	return result;
}

/* The netns path and interface name arguments of attachedPrograms and detachPod. */
static bool interface_args(napi_env env, napi_callback_info info, char *netns, char *ifname, const char *usage)
{
	napi_value argv[2];
	if (!args_of(env, info, 2, argv, usage))
		return false;
	if (string_of(env, argv[0], netns, PATH_MAX) || string_of(env, argv[1], ifname, IF_NAMESIZE)) {
		throw_type(env, "%s", usage);
		return false;
	}
	return true;
}

/* attachedPrograms(netns, ifname) → {ingressId, egressId}: what TC runs on the veth now (0: none). */
static napi_value attached_programs(napi_env env, napi_callback_info info)
{
	char netns[PATH_MAX], ifname[IF_NAMESIZE], what[PATH_MAX + 64];
	if (!interface_args(env, info, netns, ifname, "attachedPrograms(netns, ifname)"))
		return NULL;
	int saved, err = enter_netns(netns, &saved);
	if (err) {
		snprintf(what, sizeof(what), "enter network namespace %s", netns);
		return throw_error(env, what, err);
	}
	int ifindex = if_nametoindex(ifname);
	int ingress = ifindex ? attached_id(ifindex, BPF_TC_EGRESS) : 0;
	int egress = ifindex ? attached_id(ifindex, BPF_TC_INGRESS) : 0;
	err = leave_netns(saved);
	if (err)
		return throw_error(env, "return to the agent's network namespace", err);
	napi_value result;
	NAPI_CALL(env, napi_create_object(env, &result));
	if (set_int(env, result, "ingressId", ingress) || set_int(env, result, "egressId", egress))
		return throw_type(env, "attachedPrograms: cannot build the result");
	return result;
}

/* detachPod(netns, ifname): removes our TC filters from the veth (a gone veth or namespace is fine). */
static napi_value detach_pod(napi_env env, napi_callback_info info)
{
	char netns[PATH_MAX], ifname[IF_NAMESIZE];
	if (!interface_args(env, info, netns, ifname, "detachPod(netns, ifname)"))
		return NULL;
	int saved, err = enter_netns(netns, &saved);
	if (err)
		return NULL; /* the namespace is gone, and the veth and its filters with it */
	int ifindex = if_nametoindex(ifname);
	if (ifindex) {
		enum bpf_tc_attach_point points[] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
		for (int i = 0; i < 2; i++) {
			DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = points[i]);
			DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);
			/* Nothing attached there is what detaching wants. */
			bpf_tc_detach(&hook, &opts);
		}
	}
	err = leave_netns(saved);
	if (err)
		return throw_error(env, "return to the agent's network namespace", err);
	return NULL;
}

/* ---- maps -------------------------------------------------------------------------------- */

/* What the kernel says of a map; key and value sizes as its syscalls take them. */
struct map_facts {
	char name[BPF_OBJ_NAME_LEN];
	__u32 key_size;
	/* Per-CPU maps take one value per possible CPU, each rounded up to 8 bytes. */
	size_t value_size;
	__u32 max_entries;
	__u32 id;
	__u32 type;
};

static int facts_of(int fd, struct map_facts *facts)
{
	struct bpf_map_info info = {};
	__u32 length = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &length) < 0)
		return -errno;
	snprintf(facts->name, sizeof(facts->name), "%s", info.name);
	facts->key_size = info.key_size;
	facts->value_size = info.value_size;
	facts->max_entries = info.max_entries;
	facts->id = info.id;
	facts->type = info.type;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH ||
	    info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
		int cpus = libbpf_num_possible_cpus();
		if (cpus < 0)
			return cpus;
		facts->value_size = ((info.value_size + 7) / 8 * 8) * (size_t)cpus;
	}
	return 0;
}

/* The map fd argument and what the kernel says of it; false (with an error thrown) otherwise. */
static bool map_arg(napi_env env, napi_value value, const char *call, int *fd, struct map_facts *facts)
{
	char what[128];
	if (fd_of(env, value, fd)) {
		throw_type(env, "%s: the first argument must be a map's file descriptor", call);
		return false;
	}
	int err = facts_of(*fd, facts);
	if (err) {
		snprintf(what, sizeof(what), "%s: fd %d is not a map", call, *fd);
		throw_error(env, what, err);
		return false;
	}
	return true;
}

/* A buffer argument of exactly `expected` bytes (a key or value of the map); false (thrown) otherwise. */
static bool sized_buffer(napi_env env, napi_value value, const char *call, const struct map_facts *facts,
			 const char *what, size_t expected, void **data)
{
	size_t length;
	if (get_buffer(env, value, data, &length)) {
		throw_type(env, "%s(%s): %s must be a Buffer", call, facts->name, what);
		return false;
	}
	if (length != expected) {
		throw_type(env, "%s(%s): %s is %zu bytes, the map's are %zu", call, facts->name, what, length, expected);
		return false;
	}
	return true;
}

static napi_value map_error(napi_env env, const char *call, const struct map_facts *facts, int err)
{
	char what[128];
	snprintf(what, sizeof(what), "%s(%s)", call, facts->name);
	return throw_error(env, what, err);
}

/* openPinned(path) → fd */
static napi_value open_pinned(napi_env env, napi_callback_info info)
{
	napi_value result;
	char path[PATH_MAX], what[PATH_MAX + 16];
	if (!path_arg(env, info, "openPinned(path)", path))
		return NULL;
	int fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(what, sizeof(what), "open %s", path);
		return throw_error(env, what, errno);
	}
	if (napi_create_int32(env, fd, &result) != napi_ok) {
		close(fd);
		return throw_type(env, "openPinned: cannot return the fd");
	}
	return result;
}

/* closeFd(fd) */
static napi_value close_fd(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	int fd;
	if (!args_of(env, info, 1, argv, "closeFd(fd)"))
		return NULL;
	if (fd_of(env, argv[0], &fd))
		return throw_type(env, "closeFd(fd): fd must be a file descriptor");
	if (close(fd) < 0)
		return throw_error(env, "close", errno);
	return NULL;
}

/* mapUpdate(fd, keys, values, count): writes `count` entries laid out back to back. */
static napi_value map_update(napi_env env, napi_callback_info info)
{
	napi_value argv[4];
	struct map_facts facts;
	int fd;
	uint32_t count;
	void *keys, *values;
	if (!args_of(env, info, 4, argv, "mapUpdate(fd, keys, values, count)") ||
	    !map_arg(env, argv[0], "mapUpdate", &fd, &facts))
		return NULL;
	if (napi_get_value_uint32(env, argv[3], &count) != napi_ok || !count)
		return throw_type(env, "mapUpdate(%s): count must be a whole number above 0", facts.name);
	if (!sized_buffer(env, argv[1], "mapUpdate", &facts, "keys", (size_t)count * facts.key_size, &keys) ||
	    !sized_buffer(env, argv[2], "mapUpdate", &facts, "values", (size_t)count * facts.value_size, &values))
		return NULL;
	for (uint32_t i = 0; i < count; i++) {
		if (bpf_map_update_elem(fd, (char *)keys + (size_t)i * facts.key_size,
					(char *)values + (size_t)i * facts.value_size, BPF_ANY) < 0)
			return map_error(env, "mapUpdate", &facts, errno);
	}
	return NULL;
}

/* mapLookup(fd, key, valueSize) → Buffer | null */
static napi_value map_lookup(napi_env env, napi_callback_info info)
{
	napi_value argv[3], result;
	struct map_facts facts;
	int fd;
	uint32_t value_size;
	void *key, *value;
	if (!args_of(env, info, 3, argv, "mapLookup(fd, key, valueSize)") ||
	    !map_arg(env, argv[0], "mapLookup", &fd, &facts) ||
	    !sized_buffer(env, argv[1], "mapLookup", &facts, "the key", facts.key_size, &key))
		return NULL;
	if (napi_get_value_uint32(env, argv[2], &value_size) != napi_ok || value_size != facts.value_size)
		return throw_type(env, "mapLookup(%s): valueSize must be %zu, the map's", facts.name, facts.value_size);
	NAPI_CALL(env, napi_create_buffer(env, value_size, &value, &result));
	if (bpf_map_lookup_elem(fd, key, value) < 0) {
		if (errno != ENOENT)
			return map_error(env, "mapLookup", &facts, errno);
		NAPI_CALL(env, napi_get_null(env, &result));
	}
	return result;
}

/* mapDelete(fd, key) → whether it was there */
static napi_value map_delete(napi_env env, napi_callback_info info)
{
	napi_value argv[2], result;
	struct map_facts facts;
	int fd;
	void *key;
	if (!args_of(env, info, 2, argv, "mapDelete(fd, key)") || !map_arg(env, argv[0], "mapDelete", &fd, &facts) ||
	    !sized_buffer(env, argv[1], "mapDelete", &facts, "the key", facts.key_size, &key))
		return NULL;
	int err = bpf_map_delete_elem(fd, key);
	if (err < 0 && errno != ENOENT)
		return map_error(env, "mapDelete", &facts, errno);
	NAPI_CALL(env, napi_get_boolean(env, err == 0, &result));
	return result;
}

/* mapKeys(fd, keySize) → Buffer of every key, back to back */
static napi_value map_keys(napi_env env, napi_callback_info info)
{
	napi_value argv[2], result;
	struct map_facts facts;
	int fd;
	uint32_t key_size;
	if (!args_of(env, info, 2, argv, "mapKeys(fd, keySize)") || !map_arg(env, argv[0], "mapKeys", &fd, &facts))
		return NULL;
	if (napi_get_value_uint32(env, argv[1], &key_size) != napi_ok || key_size != facts.key_size)
		return throw_type(env, "mapKeys(%s): keySize must be %u, the map's", facts.name, facts.key_size);
	size_t capacity = 64, count = 0;
	char *keys = malloc(capacity * key_size);
	if (!keys)
		return map_error(env, "mapKeys", &facts, ENOMEM);
	for (;;) {
		if (count == capacity) {
			char *grown = realloc(keys, (capacity *= 2) * key_size);
			if (!grown) {
				free(keys);
				return map_error(env, "mapKeys", &facts, ENOMEM);
			}
			keys = grown;
		}
		char *previous = count ? keys + (count - 1) * key_size : NULL;
		if (bpf_map_get_next_key(fd, previous, keys + count * key_size) < 0) {
			if (errno == ENOENT)
				break;
			int err = errno;
			free(keys);
			return map_error(env, "mapKeys", &facts, err);
		}
		count++;
	}
	void *data;
	napi_status status = napi_create_buffer_copy(env, count * key_size, keys, &data, &result);
	free(keys);
	NAPI_CALL(env, status);
	return result;
}

/* Entries read per BPF_MAP_LOOKUP_BATCH call by map_count. */
#define COUNT_BATCH 4096

/*
 * The entries of a map counted by walking its keys one syscall each: for maps without batch
 * lookups (LPM tries). A key deleted under the walk makes the kernel start again, so this is for
 * maps that change only when the agent writes them.
 */
static int count_by_keys(int fd, __u32 key_size, int64_t *count)
{
	char *keys = malloc(2 * (size_t)key_size);
	if (!keys)
		return -ENOMEM;
	char *previous = NULL, *next = keys;
	for (*count = 0;; (*count)++) {
		if (bpf_map_get_next_key(fd, previous, next) < 0) {
			int err = errno;
			free(keys);
			return err == ENOENT ? 0 : -err;
		}
		previous = next;
		next = next == keys ? keys + key_size : keys;
	}
}

/*
 * mapCount(fd) → how many entries the map holds, by reading them: in batches of COUNT_BATCH (a few
 * syscalls for a full conntrack, which changes under the count; it walks buckets, so entries that
 * come and go are not counted twice), or key by key where the kernel has no batch lookup for the
 * map. Where the kernel counts a map's entries itself, map-counts.ts asks it instead (mapCounter).
 */
static napi_value map_count(napi_env env, napi_callback_info info)
{
	napi_value argv[1], result;
	struct map_facts facts;
	int fd;
	if (!args_of(env, info, 1, argv, "mapCount(fd)") || !map_arg(env, argv[0], "mapCount", &fd, &facts))
		return NULL;
	size_t batch_size = facts.key_size > 8 ? facts.key_size : 8;
	char *keys = malloc(COUNT_BATCH * (size_t)facts.key_size);
	char *values = malloc(COUNT_BATCH * facts.value_size);
	char *batch = malloc(2 * batch_size);
	int64_t total = 0;
	int err = keys && values && batch ? 0 : ENOMEM;
	for (void *in = NULL; !err;) {
		__u32 count = COUNT_BATCH;
		int done = bpf_map_lookup_batch(fd, in, batch + batch_size, keys, values, &count, NULL) < 0;
		err = done ? errno : 0;
		total += count;
		if (err == ENOENT) {
			err = 0;
			break;
		}
		if (err == EINVAL || err == ENOTSUP || err == 524 /* ENOTSUPP: the map has no batch lookup */) {
			err = -count_by_keys(fd, facts.key_size, &total);
			break;
		}
		memcpy(batch, batch + batch_size, batch_size);
		in = batch;
	}
	free(keys);
	free(values);
	free(batch);
	if (err)
		return map_error(env, "mapCount", &facts, err);
	NAPI_CALL(env, napi_create_int64(env, total, &result));
	return result;
}

/*
 * mapCounter(objectPath) → the fd of a link of map-counts.bpf.c's iterator over every map, whose
 * each pass writes each map's id and the kernel's count of its entries (see iteratorRead).
 * Throws where the kernel cannot load it (bpf_map_sum_elem_count came with Linux 6.6).
 */
static napi_value map_counter(napi_env env, napi_callback_info info)
{
	napi_value result;
	char path[PATH_MAX], what[PATH_MAX + 32];
	if (!path_arg(env, info, "mapCounter(objectPath)", path))
		return NULL;
	struct bpf_object *object = bpf_object__open_file(path, NULL);
	int err = libbpf_get_error(object);
	if (err) {
		snprintf(what, sizeof(what), "open %s", path);
		return throw_error(env, what, err);
	}
	struct bpf_program *program = NULL;
	struct bpf_link *link = NULL;
	int fd = -1;
	err = bpf_object__load(object);
	if (!err && !(program = bpf_object__next_program(object, NULL)))
		err = -ENOENT;
	if (!err && !(link = bpf_program__attach_iter(program, NULL)))
		err = -errno;
	/* The link lives on in the copy of its fd; the object and this process's handles go. */
	if (!err && (fd = dup(bpf_link__fd(link))) < 0)
		err = -errno;
	bpf_link__destroy(link);
	bpf_object__close(object);
	if (err) {
		snprintf(what, sizeof(what), "load and attach %s", path);
		return throw_error(env, what, err);
	}
	NAPI_CALL(env, napi_create_int32(env, fd, &result));
	return result;
}

/* iteratorRead(linkFd) → Buffer: what one pass of an iterator link writes. */
static napi_value iterator_read(napi_env env, napi_callback_info info)
{
	napi_value argv[1], result;
	int link;
	if (!args_of(env, info, 1, argv, "iteratorRead(linkFd)"))
		return NULL;
	if (fd_of(env, argv[0], &link))
		return throw_type(env, "iteratorRead(linkFd): linkFd must be a file descriptor");
	int iter = bpf_iter_create(link);
	if (iter < 0)
		return throw_error(env, "iteratorRead: create the iterator", errno);
	size_t capacity = 16 * 1024, length = 0;
	char *data = malloc(capacity);
	int err = data ? 0 : ENOMEM;
	while (!err) {
		if (length == capacity) {
			char *grown = realloc(data, capacity *= 2);
			if (!grown) {
				err = ENOMEM;
				break;
			}
			data = grown;
		}
		ssize_t got = read(iter, data + length, capacity - length);
		if (got < 0 && errno != EINTR)
			err = errno;
		else if (got == 0)
			break;
		else if (got > 0)
			length += (size_t)got;
	}
	close(iter);
	if (err) {
		free(data);
		return throw_error(env, "iteratorRead: read the iterator", err);
	}
	void *copy;
	napi_status status = napi_create_buffer_copy(env, length, data, &copy, &result);
	free(data);
	NAPI_CALL(env, status);
	return result;
}

/* mapInfo(fd) → {name, id, type, keySize, valueSize, maxEntries}: what the kernel says of a map. */
static napi_value map_info(napi_env env, napi_callback_info info)
{
	napi_value argv[1], result, name;
	struct map_facts facts;
	int fd;
	if (!args_of(env, info, 1, argv, "mapInfo(fd)") || !map_arg(env, argv[0], "mapInfo", &fd, &facts))
		return NULL;
	NAPI_CALL(env, napi_create_object(env, &result));
	NAPI_CALL(env, napi_create_string_utf8(env, facts.name, NAPI_AUTO_LENGTH, &name));
	NAPI_CALL(env, napi_set_named_property(env, result, "name", name));
	if (set_int(env, result, "keySize", facts.key_size) || set_int(env, result, "valueSize", (int64_t)facts.value_size) ||
	    set_int(env, result, "maxEntries", facts.max_entries) || set_int(env, result, "id", facts.id) ||
	    set_int(env, result, "type", facts.type))
		return throw_type(env, "mapInfo(%s): cannot build the result", facts.name);
	return result;
}

/* possibleCpus() → how many values a per-CPU map entry holds */
static napi_value possible_cpus(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value result;
	int cpus = libbpf_num_possible_cpus();
	if (cpus < 0)
		return throw_error(env, "possible CPUs", cpus);
	NAPI_CALL(env, napi_create_int32(env, cpus, &result));
	return result;
}

/* ---- the ring buffer --------------------------------------------------------------------- */

struct batch {
	char *data;
	size_t length;
	size_t capacity;
};

/*
 * A ring buffer reader. Two owners hold it, the JavaScript handle and the thread-safe function,
 * each released by its finalizer; whichever goes last frees it. Everything but `stop` is touched
 * only by the JavaScript thread, or by the reader thread before it is joined.
 */
struct ring {
	struct ring_buffer *buffer;
	napi_threadsafe_function deliver;
	pthread_t thread;
	volatile int stop;
	int joined;
	int released; /* the thread-safe function was released (closing) */
	int owners;
	struct batch pending;
	char path[PATH_MAX];
};

/* Bytes of events at most in one batch: under load a read would otherwise never end (see collect). */
#define BATCH_BYTES (1024 * 1024)
/* What collect returns to end a read early; the event it was given is kept. */
#define BATCH_FULL (-EAGAIN)

/*
 * Appends an event to the pending batch. libbpf's consume takes events for as long as they keep
 * coming, so under steady load it would never return (and closing would wait for the load to
 * stop): a full batch, or a close, ends the read.
 */
static int collect(void *context, void *data, size_t size)
{
	struct ring *ring = context;
	struct batch *batch = &ring->pending;
	if (batch->length + size > batch->capacity) {
		size_t capacity = batch->capacity ? batch->capacity * 2 : 64 * 1024;
		while (capacity < batch->length + size)
			capacity *= 2;
		char *grown = realloc(batch->data, capacity);
		if (!grown)
			return BATCH_FULL; /* this event is lost; the ones already gathered are handed over */
		batch->data = grown;
		batch->capacity = capacity;
	}
	memcpy(batch->data + batch->length, data, size);
	batch->length += size;
	return ring->stop || batch->length >= BATCH_BYTES ? BATCH_FULL : 0;
}

/* The reader thread's name (15 characters at most): bench/events.ts counts its CPU by it. */
#define RING_THREAD_NAME "palisade-ring"

/*
 * Microseconds between two reads of the kernel's buffer. The programs wake no reader (a wakeup
 * costs an interrupt on the packet's CPU, for the first event after each read while the reader
 * keeps up), so this is how late an event reaches JavaScript at most: well within the half second
 * the agent holds flows before it ships them (flow-sink.ts). An idle reader wakes as often as it
 * did when it waited for the kernel's wakeup with this timeout. Under load each read takes many
 * events (the 16 MB buffer holds them meanwhile), so what JavaScript does per batch is paid rarely.
 */
#define READ_EVERY_US 100000

static void *read_ring(void *argument)
{
	struct ring *ring = argument;
	while (!ring->stop) {
		/* A full batch leaves events in the buffer: the next read follows at once. */
		int full = ring_buffer__consume(ring->buffer) == BATCH_FULL;
		if (ring->pending.length) {
			struct batch *handed = malloc(sizeof(*handed));
			if (handed) {
				*handed = ring->pending;
				ring->pending = (struct batch){ 0 };
				/*
				 * Blocking: when JavaScript falls behind, the kernel's buffer holds the rest
				 * (and counts losses). Closing aborts the function, which wakes this call with
				 * napi_closing.
				 */
				if (napi_call_threadsafe_function(ring->deliver, handed, napi_tsfn_blocking) != napi_ok) {
					free(handed->data);
					free(handed);
				}
			} /* else the events wait in `pending` for the next round */
		}
		if (!full)
			usleep(READ_EVERY_US);
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
	struct ring *ring = context;
	struct batch *batch = data;
	napi_value buffer, undefined;
	/* After ringClose nothing more is handed over, even a batch already queued. */
	if (!env || !callback || ring->released ||
	    napi_create_external_buffer(env, batch->length, batch->data, free_batch, batch->data, &buffer) != napi_ok) {
		free(batch->data);
	} else if (napi_get_undefined(env, &undefined) == napi_ok) {
		/* An exception the callback throws stays pending and surfaces as an uncaught one. */
		napi_call_function(env, undefined, callback, 1, &buffer, NULL);
	}
	free(batch);
}

/* Stops and joins the reader thread, first waking it if it waits on a full queue (JavaScript thread only). */
static void stop_ring(struct ring *ring)
{
	ring->stop = 1;
	if (!ring->released) {
		ring->released = 1;
		napi_release_threadsafe_function(ring->deliver, napi_tsfn_abort);
	}
	if (!ring->joined) {
		pthread_join(ring->thread, NULL);
		ring->joined = 1;
	}
}

static void drop_owner(struct ring *ring)
{
	if (--ring->owners > 0)
		return;
	ring_buffer__free(ring->buffer);
	free(ring->pending.data);
	free(ring);
}

/* The handle was collected: stop reading (ringClose may not have been called). */
static void finalize_handle(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	struct ring *ring = data;
	stop_ring(ring);
	drop_owner(ring);
}

/* The thread-safe function is gone (released, or the environment is torn down). */
static void finalize_deliver(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	struct ring *ring = data;
	ring->released = 1; /* nothing is left to release */
	ring->stop = 1;
	if (!ring->joined) {
		pthread_join(ring->thread, NULL);
		ring->joined = 1;
	}
	drop_owner(ring);
}

/* ringOpen(path, onBatch) → handle: onBatch(Buffer) gets flow events, back to back. */
static napi_value ring_open(napi_env env, napi_callback_info info)
{
	napi_value argv[2], handle, name;
	char what[PATH_MAX + 32];
	napi_valuetype type;
	if (!args_of(env, info, 2, argv, "ringOpen(path, onBatch)"))
		return NULL;
	struct ring *ring = calloc(1, sizeof(*ring));
	if (!ring)
		return throw_error(env, "ringOpen", ENOMEM);
	if (string_of(env, argv[0], ring->path, sizeof(ring->path)) || napi_typeof(env, argv[1], &type) != napi_ok ||
	    type != napi_function) {
		free(ring);
		return throw_type(env, "ringOpen(path, onBatch): a path and a function");
	}
	int fd = bpf_obj_get(ring->path);
	if (fd < 0) {
		int err = errno;
		snprintf(what, sizeof(what), "open %s", ring->path);
		free(ring);
		return throw_error(env, what, err);
	}
	ring->buffer = ring_buffer__new(fd, collect, ring, NULL);
	int err = ring->buffer ? 0 : errno;
	close(fd);
	if (!ring->buffer) {
		snprintf(what, sizeof(what), "ring buffer %s", ring->path);
		free(ring);
		return throw_error(env, what, err);
	}
	if (napi_create_string_utf8(env, "palisade-ring", NAPI_AUTO_LENGTH, &name) != napi_ok ||
	    napi_create_threadsafe_function(env, argv[1], NULL, name, 16, 1, ring, finalize_deliver, ring, call_js,
					    &ring->deliver) != napi_ok) {
		ring_buffer__free(ring->buffer);
		free(ring);
		return throw_type(env, "ringOpen(%s): cannot make the thread-safe function", ring->path);
	}
	/* From here the thread-safe function owns `ring` too; its finalizer joins and frees. */
	ring->owners = 1;
	ring->joined = 1; /* no thread yet */
	if (napi_create_object(env, &handle) != napi_ok ||
	    napi_wrap(env, handle, ring, finalize_handle, NULL, NULL) != napi_ok) {
		ring->released = 1;
		napi_release_threadsafe_function(ring->deliver, napi_tsfn_abort);
		return throw_type(env, "ringOpen(%s): cannot make the handle", ring->path);
	}
	ring->owners = 2;
	err = pthread_create(&ring->thread, NULL, read_ring, ring);
	if (err) {
		ring->stop = 1;
		ring->released = 1;
		napi_release_threadsafe_function(ring->deliver, napi_tsfn_abort);
		snprintf(what, sizeof(what), "start the reader of %s", ring->path);
		return throw_error(env, what, err);
	}
	/* Named, so that its CPU can be told apart (top -H, /proc/PID/task/TID/comm); a failure costs nothing. */
	pthread_setname_np(ring->thread, RING_THREAD_NAME);
	ring->joined = 0;
	return handle;
}

/* ringClose(handle): stops the reader; no batch is handed over afterwards. Safe to call again. */
static napi_value ring_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct ring *ring;
	if (!args_of(env, info, 1, argv, "ringClose(handle)"))
		return NULL;
	if (napi_unwrap(env, argv[0], (void **)&ring) != napi_ok)
		return throw_type(env, "ringClose(handle): not a handle from ringOpen");
	stop_ring(ring);
	return NULL;
}

/* ---- layout ------------------------------------------------------------------------------ */

#define FIELD(object, type, field)                                                                         \
	if (set_int(env, object, #field, offsetof(struct type, field)))                                          \
	return throw_type(env, "layout: cannot describe " #type "." #field)

/* layout() → {struct: {size, offsets: {field: offset}}}: what the C compiler made of palisade.h. */
static napi_value layout(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value result, fields, holder;
	NAPI_CALL(env, napi_create_object(env, &result));
#define STRUCT(type)                                                                                       \
	NAPI_CALL(env, napi_create_object(env, &fields));                                                        \
	NAPI_CALL(env, napi_create_object(env, &holder));                                                        \
	if (set_int(env, holder, "size", sizeof(struct type)))                                                   \
		return throw_type(env, "layout: cannot describe " #type);                                              \
	NAPI_CALL(env, napi_set_named_property(env, holder, "offsets", fields));                                 \
	NAPI_CALL(env, napi_set_named_property(env, result, #type, holder))
	STRUCT(lpm_key);
	FIELD(fields, lpm_key, prefixlen);
	FIELD(fields, lpm_key, family);
	FIELD(fields, lpm_key, addr);
	STRUCT(exact_key);
	FIELD(fields, exact_key, addr);
	FIELD(fields, exact_key, family);
	STRUCT(port_range);
	FIELD(fields, port_range, rule_id);
	FIELD(fields, port_range, start);
	FIELD(fields, port_range, end);
	FIELD(fields, port_range, protocol);
	FIELD(fields, port_range, action);
	FIELD(fields, port_range, tier);
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
	STRUCT(conntrack_key);
	FIELD(fields, conntrack_key, pod);
	FIELD(fields, conntrack_key, peer);
	FIELD(fields, conntrack_key, pod_port);
	FIELD(fields, conntrack_key, peer_port);
	FIELD(fields, conntrack_key, protocol);
	FIELD(fields, conntrack_key, family);
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
	FIELD(fields, flow_event, tier);
	if (set_int(env, result, "maxPortRanges", PALISADE_MAX_PORT_RANGES) ||
	    set_int(env, result, "conntrackDefaultEntries", PALISADE_CONNTRACK_DEFAULT_ENTRIES) ||
	    set_int(env, result, "rulesMaxEntries", PALISADE_RULES_MAX_ENTRIES) ||
	    set_int(env, result, "ruleSetsMaxEntries", PALISADE_RULE_SETS_MAX_ENTRIES) ||
	    set_int(env, result, "tcHandle", TC_HANDLE) || set_int(env, result, "tcPriority", TC_PRIORITY))
		return throw_type(env, "layout: cannot describe the constants");
	return result;
}

/* ---- benchmarks ------------------------------------------------------------------------- */

/*
 * progTestRun(programPin, frames, frameSize, repeat) → Buffer of (duration ns, return code) as two
 * u32 per frame. Runs the pinned TC program on each Ethernet frame of `frames` (laid back to back,
 * `frameSize` bytes each) in turn with BPF_PROG_TEST_RUN, `repeat` times each; the kernel reports
 * the mean duration of one run. An empty programPin runs a program that only returns TC_ACT_OK,
 * the floor that timing one run costs. For the per-packet benchmark (bench/packet.ts).
 */
static napi_value prog_test_run(napi_env env, napi_callback_info info)
{
	static const char usage[] = "progTestRun(programPin, frames, frameSize >= 14, repeat >= 1)";
	napi_value argv[4], result;
	char pin[PATH_MAX], what[PATH_MAX + 32];
	size_t frames_length;
	void *frames, *out;
	uint32_t frame_size, repeat;
	if (!args_of(env, info, 4, argv, usage))
		return NULL;
	if (string_of(env, argv[0], pin, sizeof(pin)) || get_buffer(env, argv[1], &frames, &frames_length) ||
	    napi_get_value_uint32(env, argv[2], &frame_size) != napi_ok ||
	    napi_get_value_uint32(env, argv[3], &repeat) != napi_ok || frame_size < 14 || !repeat ||
	    repeat > INT_MAX || frames_length % frame_size)
		return throw_type(env, "%s", usage);
	int fd;
	if (pin[0]) {
		fd = bpf_obj_get(pin);
	} else {
		/* r0 = TC_ACT_OK; exit */
		const struct bpf_insn empty[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "palisade_floor", "GPL", empty, 2, NULL);
	}
	if (fd < 0) {
		snprintf(what, sizeof(what), "load %s", pin[0] ? pin : "the empty program");
		return throw_error(env, what, errno);
	}
	size_t count = frames_length / frame_size;
	if (napi_create_buffer(env, count * 2 * sizeof(__u32), &out, &result) != napi_ok) {
		close(fd);
		return throw_type(env, "progTestRun: no memory for the results");
	}
	__u32 *cells = out;
	for (size_t i = 0; i < count; i++) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = (char *)frames + i * frame_size,
				    .data_size_in = frame_size, .repeat = (int)repeat);
		if (bpf_prog_test_run_opts(fd, &opts) < 0) {
			int err = errno;
			close(fd);
			return throw_error(env, "BPF_PROG_TEST_RUN", err);
		}
		cells[2 * i] = opts.duration;
		cells[2 * i + 1] = opts.retval;
	}
	close(fd);
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
		{ "mapCount", NULL, map_count, NULL, NULL, NULL, napi_default, NULL },
		{ "mapInfo", NULL, map_info, NULL, NULL, NULL, napi_default, NULL },
		{ "mapCounter", NULL, map_counter, NULL, NULL, NULL, napi_default, NULL },
		{ "iteratorRead", NULL, iterator_read, NULL, NULL, NULL, napi_default, NULL },
		{ "possibleCpus", NULL, possible_cpus, NULL, NULL, NULL, napi_default, NULL },
		{ "ringOpen", NULL, ring_open, NULL, NULL, NULL, napi_default, NULL },
		{ "ringClose", NULL, ring_close, NULL, NULL, NULL, napi_default, NULL },
		{ "layout", NULL, layout, NULL, NULL, NULL, napi_default, NULL },
		{ "progTestRun", NULL, prog_test_run, NULL, NULL, NULL, napi_default, NULL },
	};
	NAPI_CALL(env, napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions));
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
