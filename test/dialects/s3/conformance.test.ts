import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { ObjectStore } from "../../../src/core/ports.js";
import { serve, type RunningServer } from "../../../src/server/serve.js";
import { FsObjectStore } from "../../../src/stores/fs-object-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";
import { S3ObjectStore } from "../../../src/stores/s3-object-store.js";
import { testObjectStore } from "../../../src/testing/conformance/object-store-suite.js";

/**
 * The strongest proof the S3 object API is S3: S3ObjectStore (which speaks S3 through the AWS
 * SDK) pointed at batchplane's own S3 API passes the ObjectStore contract, over each store.
 * Nothing is left out: the store's clock is the fixture's, so time travel works too.
 */
function over(name: string, make: (clock: ManualClock) => Promise<{ store: ObjectStore; dispose?: () => Promise<void> }>) {
  const clock = new ManualClock();
  let server: RunningServer;
  let disposeStore: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const made = await make(clock);
    disposeStore = made.dispose;
    server = await serve({ port: 0, objects: made.store, runJobs: false });
  });
  afterAll(async () => {
    await server?.close();
    await disposeStore?.();
  });
  testObjectStore(
    `S3ObjectStore over batchplane's S3 API over ${name}`,
    () => ({
      store: new S3ObjectStore({ endpoint: server.url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "k", secretAccessKey: "s" }, maxAttempts: 1 }),
      now: () => clock.now(),
      advanceTime: (ms) => clock.advance(ms),
    }),
    { timeTravel: true },
  );
}

over("MemoryObjectStore", async (clock) => ({ store: new MemoryObjectStore({ clock }) }));
over("FsObjectStore", async (clock) => {
  const dir = await mkdtemp(join(tmpdir(), "batchplane-s3api-"));
  const store = new FsObjectStore({ dir, clock });
  return { store, dispose: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
});
