import { cpus, totalmem } from 'node:os';

/** One line describing the machine a benchmark ran on. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}, ${process.platform}/${process.arch}`;
}
