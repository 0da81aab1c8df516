import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseXml, type XmlElement } from "../../dialects/xml/index.js";

/**
 * Reads the HTTP example of a provider document kept byte-for-byte under test/fixtures/seeds/
 * (copies of shared/seeds/). The examples follow the "Examples" heading: a request (request line,
 * headers, optional body) and a response (status line, body). Some captures flattened the
 * example's line breaks into spaces (004's "Sample request" is one line); header values there
 * contain no spaces, so a header ends where the next `Name: ` begins.
 */
export interface SeedExchange {
  request: { method: string; target: string; headers: [string, string][]; body?: string };
  response: { status: number; body: string };
}

export function readSeed(file: string): string {
  return readFileSync(resolve(__dirname, "../fixtures/seeds", file), "utf8");
}

export function seedExchange(text: string): SeedExchange {
  const examples = text.slice(text.lastIndexOf("Examples"));
  const split = /\n[\s•-]*(?:Response example|Sample response)\s*\n/.exec(examples);
  if (!split) throw new Error("the seed has no response example");
  const requestText = examples.slice(0, split.index);
  const responseText = examples.slice(split.index + split[0].length);

  const line = /(GET|POST|PUT|DELETE|HEAD) (\/\S*) HTTP\/1\.1/.exec(requestText);
  if (!line) throw new Error("the seed has no request line");
  const rest = requestText.slice(line.index + line[0].length);
  const bodyAt = rest.indexOf("<");
  const headerText = bodyAt < 0 ? rest : rest.slice(0, bodyAt);
  const headers: [string, string][] = [];
  for (const l of headerText.split("\n")) {
    for (const m of l.matchAll(/([A-Za-z][A-Za-z0-9-]*): (.*?)(?=\s+[A-Za-z][A-Za-z0-9-]*: |\s*$)/g)) headers.push([m[1]!, m[2]!]);
  }
  const status = /HTTP\/1\.1 (\d{3})/.exec(responseText);
  if (!status) throw new Error("the seed has no status line");
  return {
    request: { method: line[1]!, target: line[2]!, headers, ...(bodyAt >= 0 && { body: between(rest.slice(bodyAt)) }) },
    response: { status: Number(status[1]), body: between(responseText.slice(responseText.indexOf("<"))) },
  };
}

/** From the first `<` to the last `>`: the document without the capture's list markers around it. */
function between(text: string): string {
  return text.slice(0, text.lastIndexOf(">") + 1);
}

/** A fetch Request for the seed's request: the Host header becomes the URL's authority. */
export function seedRequest(req: SeedExchange["request"], scheme = "http"): Request {
  const host = req.headers.find(([n]) => n.toLowerCase() === "host")?.[1];
  if (!host) throw new Error("the seed request names no Host");
  const headers = new Headers(req.headers.filter(([n]) => n.toLowerCase() !== "host"));
  return new Request(`${scheme}://${host}${req.target}`, { method: req.method, headers, body: req.body });
}

/**
 * An XML document as the list of its elements in document order: `path` and, for leaves, the
 * trimmed text. Two documents are alike element by element when these lists are equal.
 */
export function elements(xml: string): { path: string; text?: string }[] {
  const out: { path: string; text?: string }[] = [];
  const walk = (el: XmlElement, parent: string) => {
    const path = parent === "" ? el.name : `${parent}/${el.name}`;
    out.push(el.children.length === 0 ? { path, text: el.text.trim() } : { path });
    for (const c of el.children) walk(c, path);
  };
  walk(parseXml(xml), "");
  return out;
}
