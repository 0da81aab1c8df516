import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, InvalidTransitionError, JOB_STATUSES, type EngineEvent, type JobStatus } from "../../src/index.js";
import { CANCELLABLE, engineTarget, isInTable, TRANSITIONS } from "../../src/core/jobs/transitions.js";
import { DEFAULT_POLICY, definePolicy, requestTarget } from "../../src/core/jobs/policy.js";
import { createInput, newService } from "../support/jobs.js";
import { DOCUMENTED, INFERRED, type Edge } from "./documented-transitions.js";

/** The expected engine table, written out by hand so that a change to the data shows up here. */
const EXPECTED_ENGINE: Record<EngineEvent, [JobStatus[], JobStatus]> = {
  prepare: [["New"], "Preparing"],
  prepared: [["Preparing"], "Ready"],
  awaitConfirmation: [["Preparing"], "Suspended"],
  start: [["Ready"], "Active"],
  pause: [["Active"], "Pausing"],
  paused: [["Pausing"], "Paused"],
  resume: [["Paused"], "Active"],
  finish: [["Active"], "Completing"],
  complete: [["Completing"], "Complete"],
  fail: [["New", "Preparing", "Ready", "Active", "Pausing", "Paused", "Completing"], "Failing"],
  failed: [["Failing"], "Failed"],
  expire: [["Suspended"], "Failed"],
  cancelled: [["Cancelling"], "Cancelled"],
};

/** The events come from the hand-written table, so that an event deleted from the data still has its tests. */
const EVENTS = Object.keys(EXPECTED_ENGINE) as EngineEvent[];

describe("engine transitions", () => {
  it("the table has no event that is not expected here", () => {
    const inTable = new Set(TRANSITIONS.flatMap((t) => (t.by === "engine" ? [t.event] : [])));
    expect([...inTable].sort()).toEqual([...EVENTS].sort());
  });

  for (const event of EVENTS) {
    for (const from of JOB_STATUSES) {
      const [allowed, to] = EXPECTED_ENGINE[event];
      const expected = allowed.includes(from) ? to : undefined;
      it(`${event} from ${from} ${expected ? `→ ${expected}` : "is refused"}`, () => {
        expect(engineTarget(from, event)).toBe(expected);
      });
    }
  }
});

/**
 * The table against what the providers document (shared/spec, listed by hand in
 * documented-transitions.ts with their sources), in both directions: every documented change of
 * status is in the table, and every row of the table is documented or a listed inference.
 */
describe("the table against the providers' documented transitions", () => {
  const sameEdge = (t: (typeof TRANSITIONS)[number], e: Edge) =>
    t.from === e.from && t.to === e.to && t.by === e.by && (t.by === "engine" || t.request === e.request);

  for (const e of DOCUMENTED) {
    const steps = [e.from, ...(e.via ?? []), e.to];
    it(`${e.source}: ${steps.join(" → ")} (${e.by}${e.request ? ` requests ${e.request}` : ""})`, () => {
      if (!e.via) {
        expect(TRANSITIONS.some((t) => sameEdge(t, e))).toBe(true);
        return;
      }
      // The table models this change through finishing statuses the source does not describe:
      // each step is an engine move, the first one by whoever the source names.
      for (let i = 0; i + 1 < steps.length; i++) {
        const step = { ...e, from: steps[i]!, to: steps[i + 1]!, by: i === 0 ? e.by : ("engine" as const) };
        expect(TRANSITIONS.some((t) => sameEdge(t, step)), `${step.from} → ${step.to}`).toBe(true);
      }
    });
  }

  it("has no row that no provider documents and no inference explains", () => {
    const explained = [...DOCUMENTED.flatMap((e) => (e.via ? [] : [e])), ...INFERRED];
    const viaSteps = DOCUMENTED.flatMap((e) => {
      if (!e.via) return [];
      const steps = [e.from, ...e.via, e.to];
      return steps.slice(1).map((to, i) => ({ ...e, from: steps[i]!, to, by: i === 0 ? e.by : ("engine" as const) }));
    });
    const unexplained = TRANSITIONS.filter((t) => ![...explained, ...viaSteps].some((e) => sameEdge(t, e)));
    expect(unexplained).toEqual([]);
  });
});

describe("user requests under the default policy", () => {
  const cancelledAtOnce = ["New", "Preparing", "Suspended", "Ready"];
  const cancelledLater = ["Active", "Pausing", "Paused"];
  for (const from of JOB_STATUSES) {
    const ready = from === "Suspended" ? "Ready" : undefined;
    const cancel = cancelledAtOnce.includes(from) ? "Cancelled" : cancelledLater.includes(from) ? "Cancelling" : undefined;
    it(`Ready from ${from}: ${ready ?? "refused"}; Cancelled from ${from}: ${cancel ?? "refused"}`, () => {
      expect(requestTarget(DEFAULT_POLICY, from, "Ready")).toBe(ready);
      expect(requestTarget(DEFAULT_POLICY, from, "Cancelled")).toBe(cancel);
    });
  }

  it("never allows cancelling a job that finished or is finishing", () => {
    for (const s of ["Complete", "Completing", "Cancelled", "Cancelling", "Failed", "Failing"] as JobStatus[]) {
      expect(CANCELLABLE).not.toContain(s);
      expect(requestTarget(DEFAULT_POLICY, s, "Cancelled")).toBeUndefined();
    }
  });
});

describe("policies", () => {
  it("can also confirm from Preparing and always cancel through Cancelling", () => {
    const p = definePolicy({ name: "p", confirmFrom: ["Suspended", "Preparing"], cancelImmediatelyFrom: [] });
    expect(requestTarget(p, "Preparing", "Ready")).toBe("Ready");
    expect(requestTarget(p, "Suspended", "Cancelled")).toBe("Cancelling");
    expect(requestTarget(p, "New", "Cancelled")).toBe("Cancelling");
  });

  it("accept every transition the table allows, and keep the defaults for the rest", () => {
    const p = definePolicy({ name: "all", confirmFrom: ["Preparing", "Suspended"], cancelImmediatelyFrom: ["New", "Preparing", "Suspended", "Ready"], retentionMs: 1 });
    expect(p).toMatchObject({ name: "all", suspendedTimeoutMs: 30 * 86_400_000, retentionMs: 1, priorityChangeableWhenFinished: true });
    expect(p.jobId("u")).toBe("u");
    expect(DEFAULT_POLICY).toMatchObject({
      name: "default",
      confirmFrom: ["Suspended"],
      cancelImmediatelyFrom: ["New", "Preparing", "Suspended", "Ready"],
      retentionMs: 90 * 86_400_000,
      priorityChangeableWhenFinished: true,
    });
  });

  it.each([
    [{ confirmFrom: ["Ready"] }, "policy bad: confirming from Ready is not in the transition table"],
    [{ cancelImmediatelyFrom: ["Paused"] }, "policy bad: cancelling Paused at once is not in the transition table"],
    [{ suspendedTimeoutMs: -1 }, "policy bad: timeouts must be positive"],
    [{ suspendedTimeoutMs: Number.NaN }, "policy bad: timeouts must be positive"],
    [{ retentionMs: 0 }, "policy bad: timeouts must be positive"],
    [{ retentionMs: Number.NaN }, "policy bad: timeouts must be positive"],
    [{ preemptAfterMs: -1 }, "policy bad: preemptAfterMs must be a finite number of ms, at least 0"],
    [{ preemptAfterMs: Number.POSITIVE_INFINITY }, "policy bad: preemptAfterMs must be a finite number of ms, at least 0"],
  ] as const)("refuse %o", (overrides, message) => {
    expect(() => definePolicy({ name: "bad", ...(overrides as object) })).toThrow(new Error(message));
  });

  it("refuse to enable a transition that is not in the table", () => {
    expect(() => definePolicy({ name: "bad", confirmFrom: ["Active"] })).toThrow(/not in the transition table/);
    expect(() => definePolicy({ name: "bad", cancelImmediatelyFrom: ["Active"] })).toThrow(/not in the transition table/);
    expect(() => definePolicy({ name: "bad", suspendedTimeoutMs: 0 })).toThrow(/positive/);
  });
});

describe("no sequence of events and requests leaves the table (property)", () => {
  const policies = [
    DEFAULT_POLICY,
    definePolicy({ name: "early", confirmFrom: ["Suspended", "Preparing"], cancelImmediatelyFrom: [] }),
  ];
  const step = fc.oneof(
    fc.record({ kind: fc.constant("engine" as const), event: fc.constantFrom(...EVENTS) }),
    fc.record({ kind: fc.constant("user" as const), request: fc.constantFrom("Ready", "Cancelled", "Active", "Complete") }),
    fc.record({ kind: fc.constant("wait" as const), days: fc.integer({ min: 0, max: 40 }) }),
  );

  it("holds for the JobService under every policy", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...policies), fc.boolean(), fc.array(step, { maxLength: 30 }), async (policy, confirm, steps) => {
        const { service, clock } = newService({ policies: [policy] });
        const tenant = { dialect: policy.name, account: "1", region: "" };
        const { job } = await service.createJob(tenant, createInput({ confirmationRequired: confirm }));
        let status: JobStatus = job.status;
        for (const s of steps) {
          try {
            if (s.kind === "engine") await service.advance(job.id, s.event);
            else if (s.kind === "user") await service.updateJobStatus(tenant, job.id, s.request);
            else clock.advance(s.days * 86_400_000);
          } catch (e) {
            // Refusals are expected; anything else is a bug.
            if (!(e instanceof InvalidTransitionError || e instanceof InvalidArgumentError)) throw e;
          }
          const now = await service.get(job.id);
          if (!now) return; // retention removed it: nothing left to move
          if (now.status !== status) expect(isInTable(status, now.status), `${status} → ${now.status}`).toBe(true);
          status = now.status;
        }
      }),
      { numRuns: 300 },
    );
  });
});
