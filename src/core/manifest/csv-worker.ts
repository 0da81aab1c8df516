import { parentPort } from "node:worker_threads";
import { InvalidRecord, parseBatches, type BatchOptions } from "./csv-batches.js";
import { encodeBatch, type FromWorker, type ToWorker } from "./csv-wire.js";

/**
 * The CSV parse worker's entry (see csv-worker-client.ts): runs `parseBatches`, the loop the
 * in-thread path runs, over chunks the main thread sends, and posts the batches back encoded. One
 * session a parse; each asks for chunks a few at a time and posts a batch only against credit.
 */
if (!parentPort) throw new Error("csv-worker runs as a worker thread only");
const port = parentPort;

/** Chunks asked for and not yet parsed: enough that the parse never waits on the main thread's reply. */
const CHUNKS_AHEAD = 4;

const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

class Session {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  closed = false;
  /** Who waits: the run loop (for credit) and the body (for a chunk) may both. */
  private waiting: (() => void)[] = [];

  constructor(
    readonly id: number,
    private credit: number,
  ) {}

  push(bytes: ArrayBuffer): void {
    this.chunks.push(Buffer.from(bytes));
    this.poke();
  }

  end(): void {
    this.ended = true;
    this.poke();
  }

  grant(n: number): void {
    this.credit += n;
    this.poke();
  }

  close(): void {
    this.closed = true;
    this.poke();
  }

  async run(options: BatchOptions): Promise<void> {
    const batches = parseBatches(this.body(), options);
    try {
      for (;;) {
        while (this.credit === 0 && !this.closed) await this.sleep();
        if (this.closed) return;
        const next = await batches.next();
        if (this.closed) return;
        if (next.done) return post({ t: "done", id: this.id, count: next.value });
        this.credit--;
        const batch = encodeBatch(next.value);
        post({ t: "batch", id: this.id, ...batch }, [batch.lengths.buffer as ArrayBuffer]);
      }
    } catch (e) {
      if (this.closed) return;
      if (e instanceof InvalidRecord) return post({ t: "invalid", id: this.id, index: e.index, reason: e.reason });
      const { code, message, lines } = e as { code?: unknown; message?: unknown; lines?: unknown };
      post({
        t: "failed",
        id: this.id,
        error: { code: typeof code === "string" ? code : undefined, message: typeof message === "string" ? message : String(e), lines: typeof lines === "number" ? lines : undefined },
      });
    } finally {
      sessions.delete(this.id);
      void batches.return(0).catch(() => undefined);
    }
  }

  /** The body as the parse reads it: chunks as they come, asking for the next as each is taken. */
  private async *body(): AsyncGenerator<Buffer> {
    post({ t: "want", id: this.id, n: CHUNKS_AHEAD });
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        if (!this.ended) post({ t: "want", id: this.id, n: 1 });
        yield chunk;
        continue;
      }
      if (this.ended || this.closed) return;
      await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private poke(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}

const sessions = new Map<number, Session>();

port.on("message", (m: ToWorker) => {
  if (m.t === "stats") return post({ t: "stats", sessions: sessions.size });
  if (m.t === "open") {
    const session = new Session(m.id, m.credit);
    sessions.set(m.id, session);
    void session.run(m.options);
    return;
  }
  const session = sessions.get(m.id);
  if (!session) return;
  if (m.t === "chunk") session.push(m.bytes);
  else if (m.t === "end") session.end();
  else if (m.t === "credit") session.grant(m.n);
  else {
    sessions.delete(m.id);
    session.close();
  }
});

post({ t: "ready" });
