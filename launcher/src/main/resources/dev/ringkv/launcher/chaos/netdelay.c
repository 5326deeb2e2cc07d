/*
 * ringkv-netdelay: holds every packet of one NFQUEUE for DELAY ms (± JITTER), then lets it through.
 *
 * The kernel the chaos runs were built on has no netem, so `ringkv chaos --network` delays a link in user
 * space: an iptables rule in a node's network namespace sends that link's packets to queue QUEUE
 * (`-j NFQUEUE --queue-num QUEUE --queue-bypass`), and this program, started in the same namespace, gives
 * each one its verdict late. Packets leave in the order they came (a packet is never released before the
 * one ahead of it), so the link is slow, not reordering; TCP sees a longer round trip, nothing else.
 * The launcher compiles this file at run time (gcc, libnetfilter-queue-dev) into the run's directory.
 *
 * usage: ringkv-netdelay QUEUE DELAY_MS JITTER_MS SEED      SIGTERM: releases what it holds, then exits
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define MAX_HELD 65536 /* packets held at once; the queue's own limit is set to the same */

static struct { uint32_t id; int64_t release_ns; } held[MAX_HELD];
static size_t head, count;
static int64_t delay_ns, jitter_ns, last_release_ns;
static volatile sig_atomic_t stopping;
static uint64_t rng;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* xorshift64*: seeded, so a replay draws the same jitter sequence (the timing still differs) */
static uint64_t next_random(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
    (void) msg;
    (void) data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (ph == NULL) {
        return 0;
    }
    uint32_t id = ntohl(ph->packet_id);
    if (count == MAX_HELD) { /* full: let it through now rather than lose it (this is a delay, not a loss) */
        return nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
    }
    int64_t jitter = jitter_ns > 0 ? (int64_t) (next_random() % (uint64_t) (2 * jitter_ns + 1)) - jitter_ns : 0;
    int64_t release = now_ns() + delay_ns + jitter;
    if (release < last_release_ns) {
        release = last_release_ns; /* keep the order: never overtake the packet ahead */
    }
    last_release_ns = release;
    size_t slot = (head + count) % MAX_HELD;
    held[slot].id = id;
    held[slot].release_ns = release;
    count++;
    return 0;
}

/* Releases every held packet due by now (all of them when stopping). */
static void release_due(struct nfq_q_handle *q, int all) {
    int64_t now = now_ns();
    while (count > 0 && (all || held[head].release_ns <= now)) {
        nfq_set_verdict(q, held[head].id, NF_ACCEPT, 0, NULL);
        head = (head + 1) % MAX_HELD;
        count--;
    }
}

static void on_term(int sig) {
    (void) sig;
    stopping = 1;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s QUEUE DELAY_MS JITTER_MS SEED\n", argv[0]);
        return 2;
    }
    int queue = atoi(argv[1]);
    delay_ns = atoll(argv[2]) * 1000000LL;
    jitter_ns = atoll(argv[3]) * 1000000LL;
    rng = strtoull(argv[4], NULL, 10) | 1;
    if (jitter_ns > delay_ns) {
        jitter_ns = delay_ns;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term; /* no SA_RESTART: poll returns EINTR and the loop sees stopping */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct nfq_handle *h = nfq_open();
    if (h == NULL) {
        perror("ringkv-netdelay: nfq_open");
        return 1;
    }
    nfq_unbind_pf(h, AF_INET); /* harmless failure on recent kernels */
    if (nfq_bind_pf(h, AF_INET) < 0) {
        perror("ringkv-netdelay: nfq_bind_pf");
        return 1;
    }
    struct nfq_q_handle *q = nfq_create_queue(h, (uint16_t) queue, &on_packet, NULL);
    if (q == NULL) {
        perror("ringkv-netdelay: nfq_create_queue");
        return 1;
    }
    if (nfq_set_mode(q, NFQNL_COPY_META, 0) < 0) { /* the verdict needs the id only, never the payload */
        perror("ringkv-netdelay: nfq_set_mode");
        return 1;
    }
    nfq_set_queue_maxlen(q, MAX_HELD);
    int fd = nfq_fd(h);
    int rcvbuf = 8 * 1024 * 1024; /* a burst while packets are held must not overflow the netlink socket */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    fprintf(stderr, "ringkv-netdelay: queue %d, %s ms ± %s ms\n", queue, argv[2], argv[3]);

    char buf[65536];
    while (!stopping) {
        int timeout = -1;
        if (count > 0) {
            int64_t wait = held[head].release_ns - now_ns();
            timeout = wait <= 0 ? 0 : (int) ((wait + 999999) / 1000000);
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout);
        if (r < 0 && errno != EINTR) {
            perror("ringkv-netdelay: poll");
            break;
        }
        if (r > 0) {
            /* drain what is ready without blocking, so a burst is queued at its arrival time */
            for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n > 0) {
                    nfq_handle_packet(h, buf, (int) n);
                } else if (n < 0 && errno == ENOBUFS) {
                    continue; /* the kernel dropped queue messages: those packets are lost, like a full link */
                } else {
                    break;
                }
            }
        }
        release_due(q, 0);
    }
    release_due(q, 1);
    nfq_destroy_queue(q);
    nfq_close(h);
    return 0;
}
