import type { TraceModel } from '../model/trace-model.js';
import { rowsOfKinds } from './rows.js';
import { kindCode } from './trace-facts.js';
import { stringIdTest } from './util.js';

/**
 * x86-64 syscall numbers for the evidence tables (raw_syscalls:sys_enter prints only `NR n`),
 * and which syscalls change address spaces and so flush TLBs by design. Numbers are the
 * x86-64 ABI: the detectors target Xen/KVM x86 hosts; other ABIs show as `syscall N`.
 */
const NAMES: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 4: 'stat', 5: 'fstat', 6: 'lstat', 7: 'poll', 8: 'lseek',
  9: 'mmap', 10: 'mprotect', 11: 'munmap', 12: 'brk', 13: 'rt_sigaction', 14: 'rt_sigprocmask', 15: 'rt_sigreturn',
  16: 'ioctl', 17: 'pread64', 18: 'pwrite64', 19: 'readv', 20: 'writev', 21: 'access', 22: 'pipe', 23: 'select',
  24: 'sched_yield', 25: 'mremap', 26: 'msync', 27: 'mincore', 28: 'madvise', 29: 'shmget', 30: 'shmat', 31: 'shmctl',
  32: 'dup', 33: 'dup2', 35: 'nanosleep', 39: 'getpid', 41: 'socket', 42: 'connect', 43: 'accept', 44: 'sendto',
  45: 'recvfrom', 46: 'sendmsg', 47: 'recvmsg', 48: 'shutdown', 49: 'bind', 50: 'listen', 51: 'getsockname',
  54: 'setsockopt', 55: 'getsockopt', 56: 'clone', 57: 'fork', 58: 'vfork', 59: 'execve', 60: 'exit', 61: 'wait4', 62: 'kill',
  67: 'shmdt', 72: 'fcntl', 73: 'flock', 74: 'fsync', 75: 'fdatasync', 77: 'ftruncate', 79: 'getcwd', 87: 'unlink',
  89: 'readlink', 96: 'gettimeofday', 102: 'getuid', 104: 'getgid', 107: 'geteuid', 108: 'getegid', 110: 'getppid',
  149: 'mlock', 150: 'munlock', 157: 'prctl', 158: 'arch_prctl', 186: 'gettid', 202: 'futex', 217: 'getdents64',
  218: 'set_tid_address', 228: 'clock_gettime', 230: 'clock_nanosleep', 231: 'exit_group', 232: 'epoll_wait',
  233: 'epoll_ctl', 234: 'tgkill', 237: 'mbind', 256: 'migrate_pages', 257: 'openat', 262: 'newfstatat', 263: 'unlinkat',
  270: 'pselect6', 271: 'ppoll', 273: 'set_robust_list', 279: 'move_pages', 281: 'epoll_pwait', 288: 'accept4',
  290: 'eventfd2', 291: 'epoll_create1', 293: 'pipe2', 302: 'prlimit64', 318: 'getrandom', 322: 'execveat',
  329: 'pkey_mprotect', 332: 'statx', 334: 'rseq', 435: 'clone3', 439: 'faccessat2', 440: 'process_madvise',
};

/** Syscalls whose job is to change mappings (or copy/replace/tear down an mm): flushes there are ordinary shootdowns. */
const MM_NAMES = new Set([
  'mmap', 'mprotect', 'munmap', 'brk', 'mremap', 'msync', 'madvise', 'shmat', 'shmdt', 'mbind', 'migrate_pages',
  'move_pages', 'pkey_mprotect', 'process_madvise', 'mlock', 'munlock', 'clone', 'fork', 'vfork', 'clone3',
  'execve', 'execveat', 'exit', 'exit_group', 'mmap2', 'remap_file_pages',
]);

/** Syscalls that switch address space themselves (exec, exit): a task-switch flush inside them is expected. */
const SWITCHES_MM = new Set(['execve', 'execveat', 'exit', 'exit_group']);

export function syscallName(nr: number): string {
  return NAMES[nr] ?? `syscall ${nr}`;
}

export function isMmSyscall(name: string): boolean {
  return MM_NAMES.has(name);
}

export function switchesMm(name: string): boolean {
  return SWITCHES_MM.has(name);
}

/** Whether a string id is `iret`, the PV iret hypercall parsed as a syscall return (xentrace); per string id, not per row. */
export function iretTest(model: TraceModel, str0: ArrayLike<number>): (i: number) => boolean {
  const isIret = stringIdTest(model, (s) => s === 'iret');
  return (i: number) => isIret(str0[i]);
}

/** iret returns in the trace: each implies a page-table switch even when no flush record exists. */
export function iretReturns(model: TraceModel): number {
  const exits = rowsOfKinds(model, ['syscall_exit']);
  const EXIT = kindCode('syscall_exit');
  const isIret = iretTest(model, model.events.str0);
  let n = 0;
  const rows = exits !== null ? exits.length : model.events.kind.length;
  for (let j = 0; j < rows; j++) {
    const i = exits !== null ? exits[j] : j;
    if (model.events.kind[i] === EXIT && isIret(i)) n++;
  }
  return n;
}
