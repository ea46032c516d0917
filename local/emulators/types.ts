/** A sink for emulator output lines. */
export type Log = (line: string) => void;

/** An in-process emulator once it answers. */
export interface RunningEmulator {
  endpoint: string;
  stop(): Promise<void>;
}
