// SPDX-License-Identifier: Apache-2.0
/*
 * Sends Ethernet frames, each given as one hex argument, out of an interface of the network
 * namespace it runs in (run it under nsenter). The lab's tests use it for packets no socket
 * sends: a stray fragment, an ICMP error about no flow, a TCP segment in the middle of nothing.
 *
 * Usage: palisade-send-frames IFNAME HEX…
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int decode(const char *hex, unsigned char *out, size_t size)
{
	size_t length = strlen(hex);
	if (length % 2 || length / 2 > size)
		return -1;
	for (size_t i = 0; i < length / 2; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (unsigned char)byte;
	}
	return (int)(length / 2);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s IFNAME HEX...\n", argv[0]);
		return 2;
	}
	unsigned int ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		perror(argv[1]);
		return 1;
	}
	/* Protocol 0: this socket only sends, it receives nothing. */
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	struct sockaddr_ll address = { .sll_family = AF_PACKET, .sll_ifindex = (int)ifindex, .sll_halen = 6 };
	static unsigned char frame[65536];
	for (int i = 2; i < argc; i++) {
		int length = decode(argv[i], frame, sizeof(frame));
		if (length < 14) {
			fprintf(stderr, "frame %d: not an Ethernet frame in hex\n", i - 1);
			return 2;
		}
		memcpy(address.sll_addr, frame, 6);
		if (sendto(fd, frame, (size_t)length, 0, (struct sockaddr *)&address, sizeof(address)) != length) {
			perror("sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}
