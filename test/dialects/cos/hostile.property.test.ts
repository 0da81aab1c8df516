import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STATUS } from "../../../dialects/cos/errors.js";
import { isJobsPath } from "../../../dialects/cos/routes.js";
import { JOB_STATUSES } from "../../../src/index.js";
import { COPY_EVERYTHING, CREATE_COPY_DCJ, CREATE_INVENTORY_DCJ0, createBody, DELETE, RESTORE, TAGGING } from "./examples.js";
import { APPID, BASE, fetchRig, jobIdOf } from "./support.js";

/**
 * Hostile input to the fetch handler: whatever arrives, the answer is never a 5xx, always carries
 * x-cos-request-id, and every refusal is the COS <Error> envelope with a catalogued code whose
 * status matches and a message; a refused CreateJob writes nothing.
 */

const VALID_BODIES = [CREATE_COPY_DCJ, CREATE_INVENTORY_DCJ0, ...[COPY_EVERYTHING, RESTORE, TAGGING, DELETE].map((operation) => createBody({ operation }))];
const LEAF = /<(\w+)>([^<]*)<\/\1>/g;
const ELEMENT = /<(\w+)>[\s\S]*?<\/\1>/g;

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("", " ", "true", "-1", "0", "2147483648", "1e3", "qcs::cos:ap-chengdu::b-1/k", "qcs::cos::::", "&amp;", "<x/>", "]]>", "\u0000", "Ready"),
);

/** One change to a valid body, at a place picked by `at`. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("value" as const), at: fc.nat(), to: text }),
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("repeat" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("rename" as const), at: fc.nat(), to: fc.constantFrom("member", "X", "Priority", "COSTag", "Operation", "a-b") }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), to: text }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function mutate(body: string, m: Mutation): string {
  const all = [...body.matchAll(m.kind === "value" ? LEAF : ELEMENT)];
  // An earlier change may have left nothing to change.
  if (body === "" || (all.length === 0 && m.kind !== "cut" && m.kind !== "splice")) return body + (m.kind === "splice" ? m.to : "");
  const pick = () => all[m.at % all.length]!;
  switch (m.kind) {
    case "value": {
      const leaf = pick();
      return body.slice(0, leaf.index) + `<${leaf[1]}>${escape(m.to)}</${leaf[1]}>` + body.slice(leaf.index! + leaf[0].length);
    }
    case "drop":
    case "repeat": {
      const el = pick();
      const keep = m.kind === "repeat" ? el[0] + el[0] : "";
      return body.slice(0, el.index) + keep + body.slice(el.index! + el[0].length);
    }
    case "rename": {
      const el = pick();
      const renamed = el[0].replace(new RegExp(`^<${el[1]}>`), `<${m.to}>`).replace(new RegExp(`</${el[1]}>$`), `</${m.to}>`);
      return body.slice(0, el.index) + renamed + body.slice(el.index! + el[0].length);
    }
    case "cut":
      return body.slice(0, m.at % body.length);
    case "splice": {
      const at = m.at % body.length;
      return body.slice(0, at) + m.to + body.slice(at);
    }
  }
}

const body = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...VALID_BODIES), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([b, ms]) => ms.reduce(mutate, b)) },
  { weight: 1, arbitrary: fc.constantFrom(...VALID_BODIES) },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("latin1")) },
);

const segment = fc.oneof(fc.constantFrom("{id}", "status", "priority", "", "..", "%2F", "%ZZ", "jobs", "53dc6228-c50b-46f7-8ad7-65e7159f1aae"), fc.webSegment());
const path = fc.array(segment, { maxLength: 3 }).map((segments) => ["/jobs", ...segments].join("/"));

const queryValue = fc.oneof(text, fc.constantFrom(...JOB_STATUSES), fc.integer({ min: -5, max: 3_000_000_000 }).map(String));
const query = fc
  .array(fc.tuple(fc.constantFrom("priority", "requestedJobStatus", "statusUpdateReason", "jobStatuses", "maxResults", "nextToken", "x"), queryValue), { maxLength: 4 })
  .map((pairs) => new URLSearchParams(pairs).toString());

/** Header values must be ISO-8859-1 without controls for fetch to carry them at all. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 70 });

const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Mostly well-routed requests with hostile content, so that the codecs are what gets probed. */
const routed = fc.oneof(
  { weight: 5, arbitrary: fc.record({ method: fc.constant("POST"), path: fc.constant("/jobs"), query: fc.constant(""), body }) },
  { weight: 1, arbitrary: fc.record({ method: fc.constant("GET"), path: fc.constant("/jobs"), query, body: fc.constant("") }) },
  { weight: 1, arbitrary: fc.record({ method: fc.constantFrom("GET", "DELETE"), path: fc.constantFrom("/jobs/{id}", "/jobs/53dc6228-c50b-46f7-8ad7-65e7159f1aae"), query, body: fc.constant("") }) },
  { weight: 2, arbitrary: fc.record({ method: fc.constant("POST"), path: fc.constantFrom("/jobs/{id}/status", "/jobs/{id}/priority"), query, body: fc.oneof(fc.constant(""), text) }) },
  { weight: 2, arbitrary: fc.record({ method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"), path, query, body }) },
);

const request = fc.record({
  route: routed,
  appid: fc.oneof({ weight: 8, arbitrary: fc.constant(APPID) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: headerText }),
  md5: rarely(fc.oneof(headerText, fc.constant("1B2M2Y8AsgTpgAmY7PhCfg=="))),
});

describe("hostile requests", () => {
  it("never answer 5xx, and every refusal is a catalogued COS error in its envelope", async () => {
    const rig = fetchRig();
    const existing = jobIdOf((await rig.send("POST", "/jobs", { body: createBody({ token: "existing" }) })).text);
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await rig.store.scan(JOB_STATUSES);
        const { method, path, query, body } = r.route;
        const target = `${path.replaceAll("{id}", existing)}${query ? `?${query}` : ""}`;
        const headers: Record<string, string> = {};
        if (r.appid !== undefined) headers["x-cos-appid"] = r.appid;
        if (r.md5 !== undefined) headers["content-md5"] = r.md5;
        const bodyAllowed = method !== "GET" && method !== "HEAD";
        const res = await rig.handler(new Request(`${BASE}${target}`, { method, headers, body: bodyAllowed ? body : undefined }));
        const text = await res.text();
        // Dot segments may take the path out of /jobs (/jobs/.. is / once a fetch Request has
        // resolved it): then no dialect answers, and the server's XML 404 does (issue 14 item 6).
        const pathname = new URL(`${BASE}${target}`).pathname;
        if (!isJobsPath(pathname)) {
          expect([res.status, res.headers.get("content-type")]).toEqual([404, "application/xml"]);
          return;
        }

        expect(res.status).toBeLessThan(500);
        expect(res.headers.get("x-cos-request-id")).toBeTruthy();
        if (res.status >= 400) {
          expect(res.headers.get("x-cos-trace-id")).toBeTruthy();
          if (method === "HEAD") return;
          const m = /^<\?xml[^>]*\?><Error><Code>(\w+)<\/Code><Message>([^<]+)<\/Message><Resource>[^<]*<\/Resource><RequestId>[^<]+<\/RequestId><TraceId>[^<]+<\/TraceId><\/Error>$/.exec(text);
          expect(m, text).not.toBeNull();
          expect(STATUS[m![1] as keyof typeof STATUS]).toBe(res.status);
          if (pathname === "/jobs" && method === "POST") {
            expect(await rig.store.scan(JOB_STATUSES)).toEqual(before);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
