import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHead } from "../../../dialects/dialect.js";
import type { Dispatcher } from "../dispatcher.js";
import { adminFields } from "./api.js";

/**
 * Runs the admin API (a fetch-style handler) for a Node request and streams its answer back: an
 * event stream stays open until the client goes away, which cancels it.
 */
export function answerAdmin(dispatcher: Dispatcher, req: IncomingMessage, res: ServerResponse, head: RequestHead, started: number): void {
  const parts: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > dispatcher.maxBodyBytes) tooLarge = true;
    else parts.push(chunk);
  });
  req.on("error", () => res.destroy());
  req.on("end", () => {
    void (async () => {
      const hasBody = head.method !== "GET" && head.method !== "HEAD";
      const response = tooLarge
        ? new Response(JSON.stringify({ error: { code: "BodyTooLarge", message: `the body is over ${dispatcher.maxBodyBytes} bytes` } }), { status: 413 })
        : await dispatcher.admin!(new Request(head.url, { method: head.method, headers: head.headers, body: hasBody ? Buffer.concat(parts) : undefined }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.flushHeaders();
      res.once("close", () => dispatcher.log(head, response.status, "admin", started, adminFields(head.url, response)));
      if (!response.body || head.method === "HEAD") return void res.end();
      const reader = response.body.getReader();
      res.on("close", () => void reader.cancel().catch(() => undefined));
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (done) break;
        res.write(value);
      }
      res.end();
    })().catch(() => res.destroy());
  });
}
