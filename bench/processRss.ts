import { readdir, readFile } from 'node:fs/promises';

/**
 * Resident memory of a process, read from Linux's /proc/<pid>/status (VmRSS, in KiB): what the
 * process holds in RAM right now, shared libraries included. Linux only, like the benchmarks.
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
 *
 * @example
 * const bytes = await rssBytes(child.pid);
 */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line (a zombie process?)`);
  return Number(kib) * 1024;
}

/** The process and all its descendants (from /proc/<pid>/task/<tid>/children). */
export async function processTree(pid: number): Promise<number[]> {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const tasks = await readdir(`/proc/${tree[i]}/task`).catch(() => []);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${tree[i]}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const child of children.split(' ').filter(Boolean)) tree.push(Number(child));
    }
  }
  return tree;
}

export interface RssSample {
  /** Seconds since sampling began. */
  second: number;
  /** The process itself. */
  bytes: number;
  /** The process and its descendants (none under npm start, unless a build service were left running). */
  treeBytes: number;
}

export interface RssSampler {
  samples: RssSample[];
  /** Highest of each, over the samples so far. */
  peak(): { bytes: number; treeBytes: number };
  /** Takes one more sample at once and stops. */
  stop(): Promise<RssSample | undefined>;
}

/**
 * Samples a process's RSS (and its tree's) every `everyMs` until stopped. A sample that fails
 * (the process just exited) is skipped.
 *
 * @example
 * const sampler = sampleRss(pid, 1_000);
 * const last = await sampler.stop();
 */
export function sampleRss(pid: number, everyMs = 1_000): RssSampler {
  const samples: RssSample[] = [];
  const began = performance.now();
  const take = async (): Promise<RssSample | undefined> => {
    try {
      const tree = await processTree(pid);
      const sizes = await Promise.all(tree.map((p) => rssBytes(p).catch(() => 0)));
      const sample = {
        second: (performance.now() - began) / 1000,
        bytes: sizes[0] ?? 0,
        treeBytes: sizes.reduce((sum, size) => sum + size, 0),
      };
      if (sample.bytes > 0) samples.push(sample);
      return sample;
    } catch {
      return undefined;
    }
  };
  void take();
  const timer = setInterval(() => void take(), everyMs);
  return {
    samples,
    peak: () => ({
      bytes: Math.max(0, ...samples.map((s) => s.bytes)),
      treeBytes: Math.max(0, ...samples.map((s) => s.treeBytes)),
    }),
    stop: async () => {
      clearInterval(timer);
      return take();
    },
  };
}

/** Bytes as MB (10^6), rounded, for the report. */
export const megabytes = (bytes: number) => Math.round(bytes / 1e6);
