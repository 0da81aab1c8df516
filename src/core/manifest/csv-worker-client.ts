import { Worker } from "node:worker_threads";
import { InvalidRecord, type BatchOptions } from "./csv-batches.js";
import { csvFailure, invalidRecordError, type Opener } from "./csv-errors.js";
import { decodeBatch, type EncodedBatch, type FromWorker, type ToWorker } from "./csv-wire.js";
import type { TaskRecord } from "./records.js";

/**
 * The main thread's side of the CSV parse worker: one worker a process, started on first use and
 * shared by every parse (sessions by id). The main thread reads the body (the ObjectStore lives
 * here, and its errors surface as the in-thread path gives them) and sends it on in chunks; the
 * worker parses and checks the records and posts them back in batches, so that on two cores the
 * parse runs beside the tasks and the main thread only unpacks ready records.
 *
 * A worker that cannot start, or dies, costs no job: the parse goes on in-thread from the first
 * record not yet handed out (the body is opened again), and the next parse starts a new worker.
 * Failing the read instead would fail or delay jobs for the loss of an optimisation whose work the
 * main thread can do itself.
 */

type Batches = AsyncGenerator<TaskRecord[], number, undefined>;
type InThread = (open: Opener, options: WorkerParseOptions) => Batches;
export interface WorkerParseOptions extends BatchOptions {
  name?: string;
}

/**
 * Manifests at least this large parse on the worker. Below it the parse takes a few milliseconds,
 * less than the worker's start (tens of ms, more under tsx) and the messages: the test suite's
 * many small manifests, and most real ones below ~25,000 lines, stay in-thread.
 */
export const WORKER_MIN_BYTES = 1024 * 1024;

/** Settings tests may change: `minBytes: 0` sends every manifest to the worker; `url` where its code is. */
export const csvWorker: { minBytes: number; url?: URL } = { minBytes: WORKER_MIN_BYTES };

/** Whether a manifest object of `size` bytes parses on the worker. */
export function parsesInWorker(size: number): boolean {
  return size >= csvWorker.minBytes;
}

/** Batches the worker may post before the consumer takes one: enough to hide a round trip, few enough to keep memory flat. */
const BATCHES_AHEAD = 4;
/**
 * The fewest records a batch message carries: each message costs the main thread about as much as
 * unpacking a hundred records, so the worker posts at least this many and the main thread hands
 * them out in the consumer's batch size.
 */
const WIRE_BATCH = 4096;
/**
 * The bytes a chunk message carries: the store's chunks are gathered (or split) to this size. Not
 * more: csv-parse turns a whole chunk into records at once, and 256 KiB chunks cost the process
 * about 25 MB more peak RSS (records promoted out of the worker's small young generation).
 */
const CHUNK_BYTES = 64 * 1024;
/**
 * The worker's heap: its live data is a few chunks, csv-parse's state and a few batches (well under
 * a MiB), so a small young generation scavenges often but cheaply and keeps its RSS small.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };

class ParseWorker {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly sessions = new Map<number, WorkerSession>();
  private nextId = 1;
  private dead = false;
  /** Parses waiting on the worker now: while any does, the worker is referenced. */
  private waiters = 0;

  constructor(url: URL) {
    this.worker = new Worker(url, { resourceLimits: RESOURCE_LIMITS });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (m: FromWorker) => {
        if (m.t === "ready") resolve();
        else this.dispatch(m);
      });
      const die = (e: unknown) => {
        reject(e);
        this.die(e);
      };
      this.worker.on("error", die);
      this.worker.on("messageerror", die);
      this.worker.on("exit", (code) => die(new Error(`The CSV parse worker exited (${code})`)));
    });
    this.ready.catch(() => undefined);
    // After the listeners: adding a "message" listener references the worker again.
    this.worker.unref();
  }

  open(options: BatchOptions): WorkerSession {
    const session = new WorkerSession(this.nextId++, this);
    if (this.dead) {
      session.lost();
      return session;
    }
    this.sessions.set(session.id, session);
    const { layout, skip, firstOrdinal } = options;
    const batchSize = Math.max(options.batchSize ?? 512, WIRE_BATCH);
    this.post({ t: "open", id: session.id, options: { layout, skip, firstOrdinal, batchSize }, credit: BATCHES_AHEAD });
    return session;
  }

  release(session: WorkerSession): void {
    if (!this.sessions.delete(session.id)) return;
    if (!this.dead) this.post({ t: "close", id: session.id });
  }

  /**
   * Referenced while a parse waits on it (the process must not exit under a job), never otherwise:
   * not while a consumer holds a batch, nor for a session its consumer dropped without return().
   */
  async waitOn<T>(promise: Promise<T>): Promise<T> {
    if (this.waiters++ === 0 && !this.dead) this.worker.ref();
    try {
      return await promise;
    } finally {
      if (--this.waiters === 0 && !this.dead) this.worker.unref();
    }
  }

  post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.dead) this.worker.postMessage(message, transfer);
  }

  /** How many sessions each side holds open (for tests). */
  async stats(): Promise<{ main: number; worker: number }> {
    await this.waitOn(this.ready);
    const main = this.sessions.size;
    const worker = await this.waitOn(
      new Promise<number>((resolve, reject) => {
        this.statsWaiting.push({ resolve, reject });
        this.post({ t: "stats" });
      }),
    );
    return { main, worker };
  }
  private statsWaiting: { resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];

  terminate(): Promise<number> {
    this.stopping = true;
    return this.worker.terminate();
  }
  private stopping = false;

  private dispatch(m: FromWorker): void {
    if (m.t === "stats") return this.statsWaiting.shift()?.resolve(m.sessions);
    if (m.t === "ready") return;
    this.sessions.get(m.id)?.receive(m);
  }

  private die(e: unknown): void {
    if (this.dead) return;
    this.dead = true;
    if (shared === this) shared = undefined;
    // Jobs go on (their parses in-thread), but whoever runs the process should know why they are slower.
    if (!this.stopping) {
      const why = e instanceof Error ? e.message : String(e);
      process.emitWarning(`The CSV parse worker stopped (${why}); its parses go on in the main thread`, { code: "BATCHPLANE_CSV_WORKER" });
    }
    for (const waiting of this.statsWaiting.splice(0)) waiting.reject(e);
    for (const session of this.sessions.values()) session.lost();
    this.sessions.clear();
    this.worker.unref();
  }
}

type Outcome =
  | { t: "done"; count: number }
  | { t: "invalid"; index: number; reason: string }
  | { t: "failed"; error: unknown }
  | { t: "lost" };

/** One parse as the main thread sees it: the body pumped on the worker's asking, batches queued against credit. */
class WorkerSession {
  readonly queue: EncodedBatch[] = [];
  outcome: Outcome | undefined;
  private wake: (() => void) | undefined;
  private body: AsyncIterator<Uint8Array> | undefined;
  private wanted = 0;
  private reading = false;
  private bodyDone = false;
  private endSent = false;
  /** Bytes read from the body and not yet sent. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly owner: ParseWorker,
  ) {}

  attach(body: AsyncIterable<Uint8Array>): void {
    this.body = body[Symbol.asyncIterator]();
    void this.pump();
  }

  receive(m: FromWorker): void {
    if (m.t === "want") {
      this.wanted += m.n;
      void this.pump();
      return;
    }
    if (m.t === "batch") this.queue.push(m);
    else if (m.t === "done") this.settle({ t: "done", count: m.count });
    else if (m.t === "invalid") this.settle({ t: "invalid", index: m.index, reason: m.reason });
    else if (m.t === "failed") this.settle({ t: "failed", error: m.error });
    this.poke();
  }

  lost(): void {
    this.settle({ t: "lost" });
    this.poke();
  }

  /** The consumer took a batch: the worker may post one more. */
  took(): void {
    this.owner.post({ t: "credit", id: this.id, n: 1 });
  }

  waitForNews(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Ends the session on both sides and returns the body iterator (not awaited while a read of it is under way). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.owner.release(this);
    const body = this.body;
    this.body = undefined;
    if (!body?.return) return;
    const returned = body.return().catch(() => undefined);
    if (!this.reading) await returned;
  }

  private settle(outcome: Outcome): void {
    this.outcome ??= outcome;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Sends the worker as many chunks as it asked for, reading the body as needed. */
  private async pump(): Promise<void> {
    if (this.reading || this.closed || !this.body) return;
    this.reading = true;
    try {
      while (this.wanted > 0 && !this.closed && !this.endSent) {
        if (this.pendingBytes >= CHUNK_BYTES || (this.bodyDone && this.pendingBytes > 0)) {
          const bytes = this.take(Math.min(CHUNK_BYTES, this.pendingBytes));
          this.wanted--;
          this.owner.post({ t: "chunk", id: this.id, bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]);
          continue;
        }
        if (this.bodyDone) {
          this.endSent = true;
          this.owner.post({ t: "end", id: this.id });
          break;
        }
        const next = await this.body!.next();
        if (this.closed) break;
        if (next.done) this.bodyDone = true;
        else if (next.value.byteLength > 0) {
          this.pending.push(next.value);
          this.pendingBytes += next.value.byteLength;
        }
      }
    } catch (e) {
      // The store failed while streaming: the records already parsed are handed out, then this.
      if (!this.closed) {
        this.settle({ t: "failed", error: e });
        this.owner.release(this);
        this.poke();
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * The next `n` bytes read, copied into a fresh buffer: the store's chunks may be slices of a
   * pooled Buffer, which cannot be transferred, and small ones are gathered into one message.
   */
  private take(n: number): Uint8Array {
    const bytes = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.pending[0]!;
      const used = Math.min(head.byteLength, n - at);
      bytes.set(used === head.byteLength ? head : head.subarray(0, used), at);
      at += used;
      if (used === head.byteLength) this.pending.shift();
      else this.pending[0] = head.subarray(used);
    }
    this.pendingBytes -= n;
    return bytes;
  }
}

let shared: ParseWorker | undefined;

function workerUrl(): URL {
  if (csvWorker.url) return csvWorker.url;
  // The worker's file sits beside this module's: dist/csv-worker.js (or .cjs) beside the chunk that
  // holds this code in the build; from the TypeScript sources (tsx, vitest) a plain module that
  // loads csv-worker.ts through tsx (csv-worker-tsx.mjs says why).
  const here = import.meta.url;
  const ext = /\.[cm]?[jt]s$/.exec(new URL(here).pathname)?.[0] ?? ".js";
  return new URL(ext.endsWith("ts") ? "./csv-worker-tsx.mjs" : `./csv-worker${ext}`, here);
}

/**
 * The records of one CSV body, parsed on the shared worker; errors, batches and the count returned
 * are the in-thread path's. `inThread` is that path: taken when the worker cannot start or dies.
 */
export function parseInWorker(open: Opener, options: WorkerParseOptions, inThread: InThread): Batches {
  const handle: Handle = {};
  const batches = workerBatches(open, options, inThread, handle);
  abandoned.register(batches, handle);
  return batches;
}

interface Handle {
  session?: WorkerSession;
}

/** A parse whose consumer dropped it without return(): its session ends when the generator is collected. */
const abandoned = new FinalizationRegistry<Handle>((handle) => void handle.session?.close());

async function* workerBatches(open: Opener, options: WorkerParseOptions, inThread: InThread, handle: Handle): Batches {
  let owner: ParseWorker;
  try {
    owner = shared ??= new ParseWorker(workerUrl());
  } catch {
    return yield* inThread(open, options);
  }
  const first = options.firstOrdinal ?? 0;
  const size = options.batchSize ?? 512;
  const session = owner.open(options);
  handle.session = session;
  /** Records of the body handed out so far (skipped ones included): where a fallback starts. */
  let delivered = options.skip ?? 0;
  try {
    const started = await owner.waitOn(
      owner.ready.then(
        () => true,
        () => false,
      ),
    );
    if (!started) session.lost();
    else session.attach(await open());
    for (;;) {
      const batch = session.queue.shift();
      if (batch !== undefined) {
        session.took();
        const records = decodeBatch(batch);
        for (let at = 0; at < records.length; at += size) {
          const out = at === 0 && records.length <= size ? records : records.slice(at, at + size);
          delivered = batch.first - first + at + out.length;
          yield out;
        }
        continue;
      }
      const outcome = session.outcome;
      if (outcome === undefined) {
        await owner.waitOn(session.waitForNews());
        continue;
      }
      if (outcome.t === "done") return outcome.count;
      if (outcome.t === "invalid") throw await invalidRecordError(open, new InvalidRecord(outcome.index, outcome.reason), first, options.name);
      if (outcome.t === "failed") throw csvFailure(outcome.error, options.name);
      await session.close();
      return yield* inThread(open, { ...options, skip: delivered });
    }
  } finally {
    await session.close();
  }
}

/** Test hooks: the open sessions on each side of the running worker (undefined when none runs). */
export async function csvWorkerStats(): Promise<{ main: number; worker: number } | undefined> {
  return shared?.stats();
}

/** Stops the shared worker (its sessions go on in-thread); the next parse starts another. */
export async function stopCsvWorker(): Promise<void> {
  const worker = shared;
  shared = undefined;
  await worker?.terminate();
}
