// SPDX-License-Identifier: Apache-2.0
/*
 * Load for the datapath benchmark, bounded in time and aimed at lab addresses only:
 *   crr-server PORT THREADS              accept, read a request, answer, close (until killed)
 *   crr-client HOST PORT SECONDS THREADS new TCP connection per request; prints JSON
 *                                        {"connections", "seconds", "rate", "p50_us", "p99_us", "errors"}
 *   udp-flood HOST SECONDS               UDP datagrams to every port in turn (each a new flow);
 *                                        prints JSON {"packets", "seconds"}
 *   udp-spray SECONDS RATE HOST...       UDP datagrams to each host in turn, each to the next port
 *                                        (each a new flow), at most RATE a second (0: no limit);
 *                                        prints JSON {"packets", "seconds"}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 4000000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int listener;

static void *serve(void *unused)
{
	(void)unused;
	char buffer[256];
	for (;;) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0)
			continue;
		if (read(fd, buffer, sizeof(buffer)) > 0 && write(fd, "ok\n", 3) < 0) {
		}
		close(fd);
	}
	return NULL;
}

static int crr_server(int port, int threads)
{
	listener = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY };
	if (bind(listener, (struct sockaddr *)&address, sizeof(address)) || listen(listener, 4096)) {
		perror("listen");
		return 1;
	}
	pthread_t thread;
	for (int i = 1; i < threads; i++)
		pthread_create(&thread, NULL, serve, NULL);
	serve(NULL);
	return 0;
}

struct client {
	struct sockaddr_in target;
	double deadline;
	uint32_t *samples;
	size_t count, capacity, errors;
};

static void *crr(void *argument)
{
	struct client *client = argument;
	char buffer[16];
	while (now_s() < client->deadline) {
		double start = now_s();
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct linger hard = { .l_onoff = 1, .l_linger = 0 }; /* no TIME_WAIT pile-up */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
		struct timeval timeout = { .tv_sec = 1 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
		if (connect(fd, (struct sockaddr *)&client->target, sizeof(client->target)) || write(fd, "GET\n", 4) != 4 ||
		    read(fd, buffer, sizeof(buffer)) <= 0) {
			client->errors++;
		} else if (client->count < client->capacity) {
			client->samples[client->count++] = (uint32_t)((now_s() - start) * 1e6);
		}
		close(fd);
	}
	return NULL;
}

static int compare(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int crr_client(const char *host, int port, double seconds, int threads)
{
	struct client *clients = calloc(threads, sizeof(*clients));
	pthread_t *ids = calloc(threads, sizeof(*ids));
	double start = now_s();
	for (int i = 0; i < threads; i++) {
		clients[i].target = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
		inet_pton(AF_INET, host, &clients[i].target.sin_addr);
		clients[i].deadline = start + seconds;
		clients[i].capacity = MAX_SAMPLES / threads;
		clients[i].samples = malloc(clients[i].capacity * sizeof(uint32_t));
		pthread_create(&ids[i], NULL, crr, &clients[i]);
	}
	size_t total = 0, errors = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(ids[i], NULL);
		total += clients[i].count;
		errors += clients[i].errors;
	}
	double elapsed = now_s() - start;
	uint32_t *all = malloc((total ? total : 1) * sizeof(uint32_t));
	size_t at = 0;
	for (int i = 0; i < threads; i++) {
		memcpy(all + at, clients[i].samples, clients[i].count * sizeof(uint32_t));
		at += clients[i].count;
	}
	qsort(all, total, sizeof(uint32_t), compare);
	printf("{\"connections\": %zu, \"seconds\": %.3f, \"rate\": %.1f, \"p50_us\": %u, \"p99_us\": %u, \"errors\": %zu}\n", total,
	       elapsed, total / elapsed, total ? all[total / 2] : 0, total ? all[(size_t)(total * 0.99)] : 0, errors);
	return 0;
}

static int udp_flood(const char *host, double seconds)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in target = { .sin_family = AF_INET };
	inet_pton(AF_INET, host, &target.sin_addr);
	size_t packets = 0;
	double start = now_s(), deadline = start + seconds;
	uint16_t port = 1024;
	while (now_s() < deadline) {
		for (int i = 0; i < 256; i++) {
			target.sin_port = htons(port);
			port = port == 65535 ? 1024 : port + 1;
			if (sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&target, sizeof(target)) == 1)
				packets++;
		}
	}
	printf("{\"packets\": %zu, \"seconds\": %.3f}\n", packets, now_s() - start);
	return 0;
}

static int udp_spray(double seconds, double rate, int hosts, char **names)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in *targets = calloc(hosts, sizeof(*targets));
	for (int i = 0; i < hosts; i++) {
		targets[i].sin_family = AF_INET;
		if (inet_pton(AF_INET, names[i], &targets[i].sin_addr) != 1) {
			fprintf(stderr, "not an IPv4 address: %s\n", names[i]);
			return 2;
		}
	}
	size_t packets = 0;
	double start = now_s(), deadline = start + seconds;
	uint16_t port = 1024;
	for (double now = start; now < deadline; now = now_s()) {
		/* Paced in bursts of 64: behind schedule, send; ahead of it, wait a little. */
		if (rate > 0 && packets >= (now - start) * rate) {
			usleep(200);
			continue;
		}
		for (int i = 0; i < 64; i++) {
			struct sockaddr_in *target = &targets[packets % hosts];
			target->sin_port = htons(port);
			if (packets % hosts == (size_t)hosts - 1)
				port = port == 65535 ? 1024 : port + 1;
			if (sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)target, sizeof(*target)) == 1)
				packets++;
		}
	}
	printf("{\"packets\": %zu, \"seconds\": %.3f}\n", packets, now_s() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "crr-server"))
		return crr_server(atoi(argv[2]), atoi(argv[3]));
	if (argc == 6 && !strcmp(argv[1], "crr-client"))
		return crr_client(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "udp-flood"))
		return udp_flood(argv[2], atof(argv[3]));
	if (argc >= 5 && !strcmp(argv[1], "udp-spray"))
		return udp_spray(atof(argv[2]), atof(argv[3]), argc - 4, argv + 4);
	fprintf(stderr, "usage: palisade-load crr-server PORT THREADS | crr-client HOST PORT SECONDS THREADS | udp-flood HOST "
			"SECONDS | udp-spray SECONDS RATE HOST...\n");
	return 2;
}
