import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WireRequest } from "../../dialects/dialect.js";
import { canonicalPath, canonicalRequestPath, headerValue } from "../../dialects/signature.js";
import { requestUrl, targetPath } from "../../src/server/dispatcher.js";

/**
 * The signature checks take shortcuts on the common case (a path already canonical, a header
 * value with nothing to collapse); each must give what the general rule gives, for any input.
 */

const request = (target: string, headers: Record<string, string> = {}): WireRequest => ({
  method: "GET",
  url: requestUrl(target, "127.0.0.1:9000"),
  path: targetPath(target),
  headers: new Headers(headers),
  body: new Uint8Array(),
});

/** Paths made of what the shortcut looks for and what it must not take: dots, escapes, slashes, spaces. */
const pathChars = fc.constantFrom("a", "Z", "0", "-", "_", "~", ".", "/", "%", "2", "e", "E", "%2e", "%2F", " ", "+", "!", "*", "é", "\\", "?x=1", "#f");
const target = fc.array(pathChars, { maxLength: 16 }).map((parts) => `/${parts.join("")}`);

describe("signature shortcuts", () => {
  it("the canonical path read off the path as sent is the URL's canonical path", () => {
    fc.assert(
      fc.property(target, (t) => {
        const r = request(t);
        expect(canonicalRequestPath(r)).toBe(canonicalPath(r.url));
      }),
      { numRuns: 2000 },
    );
  });

  it("takes the shortcut for the SDKs' job paths, and not for dot segments", () => {
    expect(canonicalRequestPath(request("/v20180820/jobs/0f1e2d3c-aaaa-bbbb-cccc-000000000000/tagging"))).toBe("/v20180820/jobs/0f1e2d3c-aaaa-bbbb-cccc-000000000000/tagging");
    expect(canonicalRequestPath(request("/v20180820/jobs/../jobs/x"))).toBe("/v20180820/jobs/x");
    expect(canonicalRequestPath(request("/v20180820/jobs/.%2e/x"))).toBe("/v20180820/x");
  });

  it("a header value is trimmed and its whitespace runs collapsed, with or without the shortcut", () => {
    const chars = fc.constantFrom("a", "b", " ", "  ", "\t", "\u000b", "\u000c", "\u00a0", "\u0085", ";", "=");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }).map((p) => p.join("")), (v) => {
        // Headers strips tabs and spaces at the ends itself; the rule must hold for what remains.
        const r = request("/", { "x-amz-meta": v });
        const sent = r.headers.get("x-amz-meta")!;
        expect(headerValue(r, "x-amz-meta")).toBe(sent.trim().replace(/\s+/g, " "));
      }),
      { numRuns: 2000 },
    );
  });
});
