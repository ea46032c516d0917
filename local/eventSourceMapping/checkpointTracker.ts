/**
 * The checkpoint of one shard: the highest sequence number up to which every record read is done
 * (delivered, filtered out or discarded). With ParallelizationFactor > 1 batches of different
 * partition keys finish out of order, so the checkpoint only moves past a record once everything
 * before it is done too; a restart may then deliver again records of other keys that had finished
 * (at least once), but never skips one.
 *
 * @example
 * const tracker = new CheckpointTracker(undefined);
 * tracker.add('1'); tracker.add('2');
 * tracker.markDone(['2']); tracker.advance(); // undefined: '1' is not done yet
 * tracker.markDone(['1']); tracker.advance(); // '2'
 */
export class CheckpointTracker {
  /** Read order, oldest first; `head` skips the entries already passed. */
  private readonly order: string[] = [];
  private head = 0;
  private readonly done = new Set<string>();

  constructor(private checkpoint: string | undefined) {}

  get current(): string | undefined {
    return this.checkpoint;
  }

  /** Records read but not yet passed by the checkpoint. */
  get outstanding(): number {
    return this.order.length - this.head;
  }

  add(sequenceNumber: string, done = false): void {
    this.order.push(sequenceNumber);
    if (done) this.done.add(sequenceNumber);
  }

  markDone(sequenceNumbers: Iterable<string>): void {
    for (const sequenceNumber of sequenceNumbers) this.done.add(sequenceNumber);
  }

  /** Moves the checkpoint past the done prefix; returns it when it moved. */
  advance(): string | undefined {
    let moved = false;
    while (this.head < this.order.length) {
      const next = this.order[this.head] as string;
      if (!this.done.has(next)) break;
      this.done.delete(next);
      this.checkpoint = next;
      this.head += 1;
      moved = true;
    }
    // Drop the passed prefix now and then, so that a long-running shard does not keep every id.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return moved ? this.checkpoint : undefined;
  }
}
