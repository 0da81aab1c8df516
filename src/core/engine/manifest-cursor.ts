import type { TaskRecord } from "../manifest/records.js";
import type { RecordBatches } from "../manifest/source.js";

/**
 * One engine's reader of one job's manifest, handing out the records of the units it holds.
 *
 * The cost of starting a unit at record N: units are claimed lowest first and a cursor only moves
 * forward, so an engine parses the manifest once per job however many units it runs, skipping
 * (parsing, not running) the records of units other engines took. Only a unit behind the cursor,
 * one taken over after its lease expired, reopens the manifest and parses up to it. Seeking by byte
 * offset would need ranged reads, which the ObjectStore port does not offer; one sequential parse
 * a process is cheap beside running the tasks.
 */
export class ManifestCursor {
  private source: RecordBatches | undefined;
  /** Records read and not yet handed out, contiguous from `bufferStart`. */
  private buffer: TaskRecord[] = [];
  private bufferStart = 0;
  private ended = false;

  constructor(private readonly open: (skip: number) => Promise<RecordBatches>) {}

  /**
   * Up to `max` records from ordinal `from` on, below `to`; an empty list when the manifest has
   * none left there. One read at a time.
   */
  async read(from: number, to: number, max: number): Promise<TaskRecord[]> {
    if (!this.source || from < this.bufferStart) await this.reopen(from);
    this.dropBelow(from);
    while (this.buffer.length === 0 && !this.ended) {
      const next = await this.source!.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const batch = next.value;
      if (batch.length === 0) continue;
      this.buffer = batch;
      this.bufferStart = batch[0]!.ordinal;
      this.dropBelow(from);
    }
    let n = 0;
    while (n < this.buffer.length && n < max && this.buffer[n]!.ordinal < to) n++;
    const out = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    this.bufferStart += n;
    return out;
  }

  close(): void {
    const source = this.source;
    this.source = undefined;
    this.buffer = [];
    if (source) void source.return(0).catch(() => undefined);
  }

  private async reopen(from: number): Promise<void> {
    this.close();
    this.source = await this.open(from);
    this.bufferStart = from;
    this.ended = false;
  }

  private dropBelow(from: number): void {
    let n = 0;
    while (n < this.buffer.length && this.buffer[n]!.ordinal < from) n++;
    if (n === 0) return;
    this.buffer = this.buffer.slice(n);
    this.bufferStart = this.buffer.length > 0 ? this.buffer[0]!.ordinal : from;
  }
}
