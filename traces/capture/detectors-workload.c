/*
 * detectors-workload.c - bounded, local-only workloads for the detector captures
 * (traces/capture/detectors-*.sh).  Each mode prints its own ground truth to
 * stderr: what it did, how many syscalls of each kind it issued itself.
 *
 *   madvise N        one thread: N x { touch 16 pages of a 64 KiB mapping; madvise(MADV_DONTNEED) }
 *                    -> every madvise zaps touched pages -> one local TLB flush per call
 *   getpid-read N    one thread: N x { getpid(); read(/dev/zero, 64 bytes) }  -> no TLB flushes expected
 *   mmap-threads T N T threads in one process, each N x { mmap 64 KiB; touch; munmap }
 *                    -> the threads serialise on the process's mmap_lock (rwsem)
 *   flock P N        P processes, each N x { fcntl(F_SETLKW) write lock; 20 us work; unlock } on one file
 *
 * Build: gcc -O2 -Wall -pthread -o /tmp/tl_detectors detectors-workload.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAP_LEN (64 * 1024)
#define PAGE 4096

static void die(const char *m) { perror(m); exit(1); }

static void touch(volatile char *p) {
	for (size_t off = 0; off < MAP_LEN; off += PAGE) p[off] = (char)off;
}

static void mode_madvise(long n) {
	prctl(PR_SET_NAME, "tl_madvise");
	char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) die("mmap");
	long calls = 0;
	for (long i = 0; i < n; i++) {
		touch(p);
		if (madvise(p, MAP_LEN, MADV_DONTNEED) != 0) die("madvise");
		calls++;
	}
	fprintf(stderr, "tl_madvise pid=%d madvise_calls=%ld mmap_calls=1 (pages touched per call: %d)\n", getpid(), calls, MAP_LEN / PAGE);
}

static void mode_getpid_read(long n) {
	prctl(PR_SET_NAME, "tl_getpid_read");
	int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0) die("open");
	char buf[64];
	long g = 0, r = 0;
	for (long i = 0; i < n; i++) {
		(void)getpid();
		g++;
		if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) die("read");
		r++;
	}
	close(fd);
	fprintf(stderr, "tl_getpid_read pid=%d getpid_calls=%ld read_calls=%ld\n", getpid(), g, r);
}

static long per_thread;

static void *mmap_worker(void *arg) {
	char name[16];
	snprintf(name, sizeof name, "tl_mm_%d", (int)((long)arg % 100));
	prctl(PR_SET_NAME, name);
	for (long i = 0; i < per_thread; i++) {
		char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) die("mmap");
		touch(p);
		if (munmap(p, MAP_LEN) != 0) die("munmap");
	}
	return NULL;
}

static void mode_mmap_threads(long threads, long n) {
	prctl(PR_SET_NAME, "tl_mm_main");
	per_thread = n;
	pthread_t t[64];
	if (threads > 64) threads = 64;
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, mmap_worker, (void *)i) != 0) die("pthread_create");
	for (long i = 0; i < threads; i++) pthread_join(t[i], NULL);
	fprintf(stderr, "tl_mm_main pid=%d threads=%ld mmap_calls=%ld munmap_calls=%ld\n", getpid(), threads, threads * n, threads * n);
}

static void spin_us(long us) {
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void mode_flock(long procs, long n) {
	const char *path = "/tmp/tl-flock.lock";
	int fd0 = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd0 < 0) die("open");
	close(fd0);
	for (long p = 0; p < procs; p++) {
		pid_t pid = fork();
		if (pid < 0) die("fork");
		if (pid == 0) {
			char name[16];
			snprintf(name, sizeof name, "tl_flock_%d", (int)(p % 100));
			prctl(PR_SET_NAME, name);
			int fd = open(path, O_RDWR);
			if (fd < 0) die("open");
			struct flock fl = { .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
			for (long i = 0; i < n; i++) {
				fl.l_type = F_WRLCK;
				if (fcntl(fd, F_SETLKW, &fl) != 0) die("lock");
				spin_us(20);
				fl.l_type = F_UNLCK;
				if (fcntl(fd, F_SETLK, &fl) != 0) die("unlock");
			}
			_exit(0);
		}
	}
	for (long p = 0; p < procs; p++) wait(NULL);
	unlink(path);
	fprintf(stderr, "tl_flock parent=%d procs=%ld lock_calls=%ld unlock_calls=%ld\n", getpid(), procs, procs * n, procs * n);
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: %s madvise N | getpid-read N | mmap-threads T N | flock P N\n", argv[0]);
		return 2;
	}
	const char *mode = argv[1];
	long a = atol(argv[2]), b = argc > 3 ? atol(argv[3]) : 0;
	if (!strcmp(mode, "madvise")) mode_madvise(a);
	else if (!strcmp(mode, "getpid-read")) mode_getpid_read(a);
	else if (!strcmp(mode, "mmap-threads")) mode_mmap_threads(a, b);
	else if (!strcmp(mode, "flock")) mode_flock(a, b);
	else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
	return 0;
}
