import {
  ObjectStoreError,
  type CopyObjectRequest,
  type ListObjectsPage,
  type ListObjectsRequest,
  type ObjectAcl,
  type ObjectInfo,
  type ObjectRef,
  type ObjectStore,
  type PutObjectRequest,
  type RestoreRequest,
} from "../core/ports.js";
import type { Tag } from "../core/model/common.js";

export type StoreOperation =
  | "head"
  | "get"
  | "put"
  | "list"
  | "delete"
  | "copy"
  | "getTagging"
  | "putTagging"
  | "deleteTagging"
  | "getAcl"
  | "putAcl"
  | "restore"
  | "putLegalHold"
  | "putRetention"
  | "createBucket"
  | "replicationTarget";

/** One call that reached the store (copy is named by its source, put and list by their target). */
export interface StoreCall {
  operation: StoreOperation;
  bucket: string;
  key?: string;
  versionId?: string;
}

/** Which calls a rule or a hold applies to; every field given must match. */
export interface CallMatcher {
  operations?: StoreOperation | readonly StoreOperation[];
  bucket?: string;
  /** A key, a list of keys, a pattern or a test. */
  key?: string | readonly string[] | RegExp | ((key: string) => boolean);
}

export interface InjectedError {
  code: string;
  status: number;
  message?: string;
  /** Default: what ObjectStoreError decides (5xx and throttling codes are transient). */
  retryable?: boolean;
}

export interface FaultRule extends CallMatcher {
  error: InjectedError;
  /** Fail only this fraction of the matching calls, picked by the store's seeded random numbers. */
  fraction?: number;
  /** Fail at most this many matching calls, then let them through. */
  times?: number;
}

export interface Fault {
  /** How many calls this rule failed. */
  readonly hits: number;
  remove(): void;
}

/** Calls held at a gate wait until it is released: to catch a job mid-run, deterministically. */
export interface Gate {
  /** Calls waiting now. */
  readonly waiting: number;
  /** Resolves once `n` calls in all have reached the gate. */
  arrived(n: number): Promise<void>;
  /** Lets every waiting call (and every later one) through. */
  release(): void;
}

/**
 * Wraps any ObjectStore and fails chosen calls with chosen codes: by key, by operation, or a
 * seeded fraction of them. Also records every call and can hold calls at a gate.
 *
 *   const store = new FaultInjectingStore(new MemoryObjectStore());
 *   store.fail({ key: ["a.txt"], error: { code: "AccessDenied", status: 403 } });
 *   store.fail({ operations: "putTagging", fraction: 0.1, error: { code: "SlowDown", status: 503 } });
 */
export class FaultInjectingStore implements ObjectStore {
  readonly calls: StoreCall[] = [];
  private rules: { rule: FaultRule; hits: number }[] = [];
  private gates: { matcher: CallMatcher; gate: GateImpl }[] = [];
  private random: () => number;
  // NonNullable: with a consumer's exactOptionalPropertyTypes, `ObjectStore["createBucket"]` holds
  // undefined, which an optional member of the interface does not accept.
  createBucket?: NonNullable<ObjectStore["createBucket"]>;
  replicationTarget?: NonNullable<ObjectStore["replicationTarget"]>;

  constructor(
    readonly inner: ObjectStore,
    options: { seed?: number; record?: boolean } = {},
  ) {
    this.random = mulberry32(options.seed ?? 1);
    this.record = options.record ?? true;
    if (inner.createBucket) {
      this.createBucket = (bucket, o) => this.call({ operation: "createBucket", bucket }, () => inner.createBucket!(bucket, o));
    }
    if (inner.replicationTarget) {
      this.replicationTarget = (bucket) => this.call({ operation: "replicationTarget", bucket }, () => inner.replicationTarget!(bucket));
    }
  }

  private readonly record: boolean;

  /** Fails the calls the rule matches; returns a handle that counts hits and removes the rule. */
  fail(rule: FaultRule): Fault {
    const entry = { rule, hits: 0 };
    this.rules.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
      remove: () => void (this.rules = this.rules.filter((r) => r !== entry)),
    };
  }

  failKeys(keys: readonly string[], error: InjectedError, operations?: StoreOperation | readonly StoreOperation[]): Fault {
    return this.fail({ key: keys, error, operations });
  }

  failOperations(operations: StoreOperation | readonly StoreOperation[], error: InjectedError): Fault {
    return this.fail({ operations, error });
  }

  failFraction(fraction: number, error: InjectedError, operations?: StoreOperation | readonly StoreOperation[]): Fault {
    return this.fail({ fraction, error, operations });
  }

  /** Holds matching calls until the gate is released. */
  hold(matcher: CallMatcher = {}): Gate {
    const gate = new GateImpl();
    this.gates.push({ matcher, gate });
    return gate;
  }

  /** Removes every rule and releases every gate. */
  reset(): void {
    this.rules = [];
    for (const { gate } of this.gates) gate.release();
    this.gates = [];
  }

  head(ref: ObjectRef): Promise<ObjectInfo> {
    return this.call(refCall("head", ref), () => this.inner.head(ref));
  }
  get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
    return this.call(refCall("get", ref), () => this.inner.get(ref));
  }
  put(req: PutObjectRequest): Promise<{ etag: string; versionId?: string }> {
    return this.call({ operation: "put", bucket: req.bucket, key: req.key }, () => this.inner.put(req));
  }
  list(req: ListObjectsRequest): Promise<ListObjectsPage> {
    return this.call({ operation: "list", bucket: req.bucket, key: req.prefix }, () => this.inner.list(req));
  }
  delete(ref: ObjectRef): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    return this.call(refCall("delete", ref), () => this.inner.delete(ref));
  }
  copy(req: CopyObjectRequest): Promise<{ etag: string; versionId?: string }> {
    return this.call(refCall("copy", req.source), () => this.inner.copy(req));
  }
  getTagging(ref: ObjectRef): Promise<Tag[]> {
    return this.call(refCall("getTagging", ref), () => this.inner.getTagging(ref));
  }
  putTagging(ref: ObjectRef, tags: Tag[]): Promise<void> {
    return this.call(refCall("putTagging", ref), () => this.inner.putTagging(ref, tags));
  }
  deleteTagging(ref: ObjectRef): Promise<void> {
    return this.call(refCall("deleteTagging", ref), () => this.inner.deleteTagging(ref));
  }
  getAcl(ref: ObjectRef): Promise<ObjectAcl> {
    return this.call(refCall("getAcl", ref), () => this.inner.getAcl(ref));
  }
  putAcl(ref: ObjectRef, acl: ObjectAcl): Promise<void> {
    return this.call(refCall("putAcl", ref), () => this.inner.putAcl(ref, acl));
  }
  restore(ref: ObjectRef, req: RestoreRequest): Promise<void> {
    return this.call(refCall("restore", ref), () => this.inner.restore(ref, req));
  }
  putLegalHold(ref: ObjectRef, status: "ON" | "OFF"): Promise<void> {
    return this.call(refCall("putLegalHold", ref), () => this.inner.putLegalHold(ref, status));
  }
  putRetention(ref: ObjectRef, retention: Parameters<ObjectStore["putRetention"]>[1]): Promise<void> {
    return this.call(refCall("putRetention", ref), () => this.inner.putRetention(ref, retention));
  }

  private async call<T>(call: StoreCall, forward: () => Promise<T>): Promise<T> {
    if (this.record) this.calls.push(call);
    for (const { matcher, gate } of this.gates) if (matches(matcher, call)) await gate.pass();
    for (const entry of this.rules) {
      const { rule } = entry;
      if (!matches(rule, call)) continue;
      if (rule.times !== undefined && entry.hits >= rule.times) continue;
      if (rule.fraction !== undefined && this.random() >= rule.fraction) continue;
      entry.hits++;
      const { code, status, message, retryable } = rule.error;
      throw new ObjectStoreError(code, status, message ?? `Injected ${code} on ${call.operation} ${call.bucket}/${call.key ?? ""}`, {
        retryable,
      });
    }
    return forward();
  }
}

function refCall(operation: StoreOperation, ref: ObjectRef): StoreCall {
  const call: StoreCall = { operation, bucket: ref.bucket, key: ref.key };
  if (ref.versionId !== undefined) call.versionId = ref.versionId;
  return call;
}

function matches(m: CallMatcher, call: StoreCall): boolean {
  if (m.operations !== undefined && !(typeof m.operations === "string" ? m.operations === call.operation : m.operations.includes(call.operation))) {
    return false;
  }
  if (m.bucket !== undefined && m.bucket !== call.bucket) return false;
  const k = m.key;
  if (k === undefined) return true;
  if (call.key === undefined) return false;
  if (typeof k === "string") return k === call.key;
  if (k instanceof RegExp) return k.test(call.key);
  if (typeof k === "function") return k(call.key);
  return k.includes(call.key);
}

class GateImpl implements Gate {
  waiting = 0;
  private arrivals = 0;
  private open = false;
  private queue: (() => void)[] = [];
  private watchers: { n: number; resolve: () => void }[] = [];

  async pass(): Promise<void> {
    this.arrivals++;
    this.watchers = this.watchers.filter((w) => (this.arrivals >= w.n ? (w.resolve(), false) : true));
    if (this.open) return;
    this.waiting++;
    await new Promise<void>((resolve) => this.queue.push(resolve));
    this.waiting--;
  }

  arrived(n: number): Promise<void> {
    if (this.arrivals >= n) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ n, resolve }));
  }

  release(): void {
    this.open = true;
    const queue = this.queue;
    this.queue = [];
    for (const r of queue) r();
  }
}

/** A small seeded PRNG (mulberry32): the same seed picks the same calls. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
