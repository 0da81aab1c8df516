/**
 * A JSON reader that remembers where each value starts, so that a configuration file's error can
 * name its line: JSON.parse says neither which line a syntax error is on (on Node 20) nor where a
 * well-formed but wrong value sits.
 */

export class JsonPositionError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "JsonPositionError";
  }
}

export interface PositionedJson {
  value: unknown;
  /** Line (1-based) where the value at a path (`credentials.2.account`) starts. */
  lineOf(path: readonly (string | number)[]): number;
}

export function parseJsonWithPositions(text: string): PositionedJson {
  const starts = new Map<string, number>();
  let i = 0;

  const where = (at: number) => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    return { line, column: at - before.lastIndexOf("\n") };
  };
  const fail = (message: string, at = i): never => {
    const { line, column } = where(at);
    throw new JsonPositionError(`${message} (line ${line}, column ${column})`, line, column);
  };
  const skip = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const describe = () => (i >= text.length ? "the end of the file" : `"${text[i]}"`);

  const string = (): string => {
    const start = i;
    i++;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          return fail("invalid escape in a string", start);
        }
      }
      if (c === "\\") i++;
      else if (c < " ") fail("a control character inside a string");
    }
    return fail("a string that never ends", start);
  };

  const value = (path: string): unknown => {
    skip();
    starts.set(path, i);
    const c = text[i];
    if (c === "{") {
      i++;
      const out: Record<string, unknown> = {};
      skip();
      if (text[i] === "}") {
        i++;
        return out;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        const keyAt = i;
        const key = string();
        if (Object.hasOwn(out, key)) fail(`"${key}" appears twice`, keyAt);
        skip();
        if (text[i] !== ":") fail(`expected ":" after "${key}", found ${describe()}`);
        i++;
        out[key] = value(path === "" ? key : `${path}.${key}`);
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return out;
        }
        fail(`expected "," or "}" after the value of "${key}", found ${describe()}`);
      }
    }
    if (c === "[") {
      i++;
      const out: unknown[] = [];
      skip();
      if (text[i] === "]") {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(path === "" ? String(out.length) : `${path}.${out.length}`));
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return out;
        }
        fail(`expected "," or "]" in a list, found ${describe()}`);
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!literal) return fail(`expected a value, found ${describe()}`);
    i += literal[0].length;
    return JSON.parse(literal[0]);
  };

  const parsed = value("");
  skip();
  if (i < text.length) fail(`unexpected ${describe()} after the end of the document`);
  return {
    value: parsed,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const at = starts.get(path.slice(0, n).join("."));
        if (at !== undefined) return where(at).line;
      }
      return 1;
    },
  };
}
