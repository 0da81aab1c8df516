import { z } from "zod";
import { describe, expect, it } from "vitest";
import { flatListOf, listOf, long, parseXml, raw, timestamp, toXml, XmlCodec, XmlShapeError } from "../../dialects/xml/index.js";

/** The shared codec on a shape that uses every encoding it offers. */
const shape = z.strictObject({
  Name: z.string().min(1),
  Note: raw(z.string()).optional(),
  Count: z.int().min(0).optional(),
  Size: long().optional(),
  On: z.boolean().optional(),
  At: timestamp("iso").optional(),
  AtSecond: timestamp("iso-seconds").optional(),
  Epoch: timestamp("epoch-seconds").optional(),
  Tags: listOf(z.strictObject({ Key: z.string(), Value: z.string() }), "Tag").max(2).optional(),
  Item: flatListOf(z.string()).optional(),
});

describe("XmlCodec", () => {
  const codec = new XmlCodec({ trim: true });

  it("reads every encoding, in any order, flattened lists included", () => {
    const doc = parseXml(`<R xmlns="urn:x"><Item>b</Item><Epoch>1749983400</Epoch><Name> n </Name><Note> kept </Note><Size>-9223372036854775808</Size>
      <On>true</On><At>2024-01-01T00:00:00.123456Z</At><AtSecond>2024-01-01T00:00:01Z</AtSecond><Count>3</Count>
      <Tags><Tag><Key>k</Key><Value>v</Value></Tag></Tags><Item>a</Item></R>`);
    expect(codec.readValidated(shape, doc)).toEqual({
      Name: "n",
      Note: " kept ",
      Count: 3,
      Size: -(2n ** 63n),
      On: true,
      At: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, 123)),
      AtSecond: new Date(Date.UTC(2024, 0, 1, 0, 0, 1)),
      Epoch: new Date(1749983400 * 1000),
      Tags: [{ Key: "k", Value: "v" }],
      Item: ["b", "a"],
    });
  });

  it("writes in shape order, each encoding as declared, under a namespace", () => {
    const value = {
      Item: ["a", "b"],
      Name: "n",
      Size: 2n ** 63n - 1n,
      On: false,
      At: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, 5)),
      AtSecond: new Date(Date.UTC(2024, 0, 1, 0, 0, 1, 999)),
      Epoch: new Date(1749983400_999),
      Tags: [],
    };
    expect(toXml("R", codec.write(shape, value) as Record<string, never>, { xmlns: "urn:x", declaration: false })).toBe(
      '<R xmlns="urn:x"><Name>n</Name><Size>9223372036854775807</Size><On>false</On><At>2024-01-01T00:00:00.005Z</At>' +
        "<AtSecond>2024-01-01T00:00:01Z</AtSecond><Epoch>1749983400</Epoch><Tags/><Item>a</Item><Item>b</Item></R>",
    );
  });

  it("names the element and the kind of every problem, in the dialect's words", () => {
    const words = new XmlCodec({ wording: { unknown: (p, allowed) => `is not an element of ${p}; expected ${allowed.slice(0, 2).join(", ")}...` } });
    const problem = (xml: string, c: XmlCodec = codec) => {
      try {
        c.readValidated(shape, parseXml(xml));
      } catch (e) {
        const err = e as XmlShapeError;
        return [err.kind, err.message];
      }
      throw new Error("read");
    };
    expect(problem("<R><Name>n</Name><Bad/></R>", words)).toEqual(["structure", "R/Bad: is not an element of R; expected Name, Note..."]);
    expect(problem("<R><Name>n</Name><On>yes</On></R>")).toEqual(["structure", 'R/On: must be true or false, got "yes"']);
    expect(problem("<R><Name>n</Name><Epoch>2024-01-01T00:00:00Z</Epoch></R>")).toEqual(["structure", 'R/Epoch: must be a time in seconds since the epoch, got "2024-01-01T00:00:00Z"']);
    expect(problem("<R><Name>n</Name><Size>9223372036854775808</Size></R>")).toEqual(["value", "R/Size: must be at most 9223372036854775807"]);
    expect(problem("<R><Note>x</Note></R>")).toEqual(["missing", "R/Name: is required"]);
    expect(problem("<R><Name></Name></R>")).toEqual(["value", "R/Name: must not be empty"]);
    expect(problem("<R><Name>n</Name><Tags><Tag><Key/><Value/></Tag><Tag><Key/><Value/></Tag><Tag><Key/><Value/></Tag></Tags></R>")).toEqual(["value", "R/Tags: must hold at most 2 items"]);
    expect(problem("<R><Name>n</Name><Name>m</Name></R>")).toEqual(["structure", "R/Name: appears more than once"]);
  });

  it("reads an empty element as absent where the dialect says so", () => {
    const lenient = new XmlCodec({ emptyIsAbsent: true });
    expect(lenient.readValidated(shape, parseXml("<R><Name>n</Name><Count></Count></R>"))).toEqual({ Name: "n" });
  });
});
