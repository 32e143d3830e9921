/*
 * tl_workload.c - small, bounded, loopback-only workload used by the
 * tracelens trace captures in the traces/capture scripts.
 *
 * What it does (all local, runs well under a second):
 *   1. Network phase: a TCP listener on 127.0.0.1 (ephemeral port).  A forked
 *      child process ("tl_server") accepts one connection and answers every
 *      REQ_SIZE-byte request with a RESP_SIZE-byte response.  The parent
 *      ("tl_workload") does ROUNDS request/response round trips, then closes.
 *   2. Memory phase: the parent starts one spinner thread ("tl_spin") that keeps
 *      touching a shared page (so the mm is live on the other CPU), and then
 *      does MMAP_ROUNDS x { mmap 64 KiB anonymous, touch every page, munmap }.
 *      munmap of touched pages forces TLB flushes (local, and shootdown IPIs
 *      to the CPU running the spinner), so tlb:tlb_flush fires.
 *
 * Ground truth: each process counts the syscalls it issues *explicitly*
 * (one libc call == one syscall for the calls used here) and prints them to
 * stderr at the end, e.g.
 *   tl_server pid=123 explicit_syscalls accept=1 read=201 write=200 close=2 total=...
 * Note that libc/pthread start-up (execve, brk, mmap of libs, clone3, ...)
 * is NOT in this count, nor are the getpid() and write() that report() itself
 * issues, nor exit_group; use `strace -f` for the full per-syscall table.
 *
 * Usage: tl_workload [ROUNDS [MMAP_ROUNDS]]   (defaults 200 and 200)
 * Build: gcc -O2 -pthread -o /tmp/tl_workload tl_workload.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQ_SIZE 512
#define RESP_SIZE 2048
#define MAP_LEN (64 * 1024)

static struct {
	long socket_, setsockopt_, bind_, listen_, getsockname_, accept_, connect_;
	long read_, write_, close_, mmap_, munmap_, fork_, wait4_, prctl_;
} n;

static void die(const char *m) { perror(m); exit(1); }

/* read exactly len bytes; counts every read() syscall; returns 0 on EOF */
static int read_full(int fd, char *buf, size_t len) {
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		n.read_++;
		if (r < 0) die("read");
		if (r == 0) return 0;
		got += (size_t)r;
	}
	return 1;
}

static void write_full(int fd, const char *buf, size_t len) {
	size_t put = 0;
	while (put < len) {
		ssize_t w = write(fd, buf + put, len - put);
		n.write_++;
		if (w < 0) die("write");
		put += (size_t)w;
	}
}

static void report(const char *who) {
	long total = n.socket_ + n.setsockopt_ + n.bind_ + n.listen_ + n.getsockname_ +
		     n.accept_ + n.connect_ + n.read_ + n.write_ + n.close_ + n.mmap_ +
		     n.munmap_ + n.fork_ + n.wait4_ + n.prctl_;
	fprintf(stderr,
		"%s pid=%d explicit_syscalls socket=%ld setsockopt=%ld bind=%ld listen=%ld "
		"getsockname=%ld accept=%ld connect=%ld read=%ld write=%ld close=%ld mmap=%ld "
		"munmap=%ld fork=%ld wait4=%ld prctl=%ld total=%ld (+1 write for this line)\n",
		who, getpid(), n.socket_, n.setsockopt_, n.bind_, n.listen_, n.getsockname_,
		n.accept_, n.connect_, n.read_, n.write_, n.close_, n.mmap_, n.munmap_,
		n.fork_, n.wait4_, n.prctl_, total);
}

static volatile int stop_spin;
static volatile char *shared_page;

static void *spinner(void *arg) {
	(void)arg;
	prctl(PR_SET_NAME, "tl_spin"); /* counted in the thread, not in n */
	while (!stop_spin) shared_page[0]++;
	return NULL;
}

int main(int argc, char **argv) {
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	int mmap_rounds = argc > 2 ? atoi(argv[2]) : 200;
	char req[REQ_SIZE], resp[RESP_SIZE];
	memset(req, 'q', sizeof req);
	memset(resp, 'r', sizeof resp);

	int ls = socket(AF_INET, SOCK_STREAM, 0); n.socket_++;
	if (ls < 0) die("socket");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only */
	if (bind(ls, (struct sockaddr *)&a, sizeof a)) die("bind");
	n.bind_++;
	if (listen(ls, 1)) die("listen");
	n.listen_++;
	socklen_t al = sizeof a;
	if (getsockname(ls, (struct sockaddr *)&a, &al)) die("getsockname");
	n.getsockname_++;

	pid_t child = fork(); n.fork_++;
	if (child < 0) die("fork");
	if (child == 0) {
		memset(&n, 0, sizeof n); /* child counts from here */
		prctl(PR_SET_NAME, "tl_server"); n.prctl_++;
		int c = accept(ls, NULL, NULL); n.accept_++;
		if (c < 0) die("accept");
		close(ls); n.close_++;
		while (read_full(c, req, REQ_SIZE)) write_full(c, resp, RESP_SIZE);
		close(c); n.close_++;
		report("tl_server");
		_exit(0);
	}
	close(ls); n.close_++;

	/* ---- network phase (client) ---- */
	int s = socket(AF_INET, SOCK_STREAM, 0); n.socket_++;
	if (s < 0) die("socket");
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); n.setsockopt_++;
	if (connect(s, (struct sockaddr *)&a, sizeof a)) die("connect");
	n.connect_++;
	for (int i = 0; i < rounds; i++) {
		write_full(s, req, REQ_SIZE);
		if (!read_full(s, resp, RESP_SIZE)) die("early EOF");
	}
	close(s); n.close_++;

	/* ---- memory phase ---- */
	shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	n.mmap_++;
	if (shared_page == MAP_FAILED) die("mmap");
	pthread_t th;
	if (pthread_create(&th, NULL, spinner, NULL)) die("pthread_create");
	for (int i = 0; i < mmap_rounds; i++) {
		char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		n.mmap_++;
		if (p == MAP_FAILED) die("mmap");
		for (int off = 0; off < MAP_LEN; off += 4096) p[off] = (char)i;
		munmap(p, MAP_LEN); n.munmap_++;
	}
	stop_spin = 1;
	pthread_join(th, NULL);

	int st;
	waitpid(child, &st, 0); n.wait4_++;
	report("tl_workload");
	return 0;
}
