import { describe, expect, it } from "vitest";
import { list, parseIsoTimestamp, parseXml, toXml, XmlNode, XmlShapeError, XmlSyntaxError } from "../../dialects/xml/index.js";

describe("parseXml", () => {
  it("reads namespaced, prefixed, self-closing and declared documents alike", () => {
    const a = parseXml('<?xml version="1.0" encoding="UTF-8"?><R xmlns="urn:x"><A>1</A><B/><C /></R>');
    const b = parseXml('<p:R xmlns:p="urn:x"><p:A>1</p:A><p:B></p:B><p:C/></p:R>');
    for (const doc of [a, b]) {
      expect(doc.name).toBe("R");
      expect(doc.children.map((c) => c.name)).toEqual(["A", "B", "C"]);
      expect(doc.children[0]!.text).toBe("1");
    }
  });

  it("decodes the predefined entities and character references", () => {
    expect(parseXml("<x>a&amp;b&lt;&#65;&#x42;</x>").text).toBe("a&b<AB");
    expect(parseXml("<x><![CDATA[<raw>]]></x>").text).toBe("<raw>");
  });

  it.each([
    ['<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', /DOCTYPE/],
    ['<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', /DOCTYPE/],
    ["<x>&undefined;</x>", /undefined entity/],
    ["<x><y></x>", /./],
    ["<x/><y/>", /one root/],
    ["", /root/],
    ["just text", /./],
    ["<x>&#0;</x>", /malformed character/],
    ['<?evil instruction?><x/>', /processing instruction/],
  ])("refuses %s", (doc, why) => {
    expect(() => parseXml(doc)).toThrow(XmlSyntaxError);
    expect(() => parseXml(doc)).toThrow(why);
  });

  it("refuses deep nesting and too many elements", () => {
    expect(() => parseXml("<a>".repeat(40) + "</a>".repeat(40))).toThrow(/nested deeper than 32/);
    expect(() => parseXml(`<r>${"<m/>".repeat(30)}</r>`, { maxElements: 20 })).toThrow(/more than 20 elements/);
  });
});

describe("XmlNode", () => {
  const node = new XmlNode(parseXml("<R><S>  hi </S><N>42</N><T>TRUE</T><L><member>a</member><Tag>b</Tag></L><D>1</D><D>2</D></R>"));

  it("reads scalars and lists with any item name", () => {
    expect(node.string("S")).toBe("hi");
    expect(node.integer("N")).toBe(42);
    expect(node.boolean("T")).toBe(true);
    expect(node.require("L").items().map((i) => i.text)).toEqual(["a", "b"]);
    expect(node.string("Missing")).toBeUndefined();
  });

  it("names the path of what is wrong", () => {
    expect(() => node.require("X")).toThrow(new XmlShapeError("R/X", "is required"));
    expect(() => node.child("D")).toThrow("R/D: appears more than once");
    expect(() => node.integer("S")).toThrow('R/S: must be an integer, got "hi"');
    expect(() => node.boolean("N")).toThrow("R/N: must be true or false");
    expect(() => node.require("L").items()[1]!.requireString("Key")).toThrow("R/L/Tag[2]/Key: is required");
  });

  it("parses ISO-8601 with 0 to 9 fractional digits", () => {
    expect(parseIsoTimestamp("1970-01-01T00:00:00Z", "p")).toBe(0);
    expect(parseIsoTimestamp("2024-01-01T00:00:00.123456Z", "p")).toBe(Date.UTC(2024, 0, 1) + 123);
    expect(parseIsoTimestamp("2024-01-01T01:00:00+01:00", "p")).toBe(Date.UTC(2024, 0, 1));
    expect(() => parseIsoTimestamp("yesterday", "p")).toThrow(XmlShapeError);
  });
});

describe("toXml", () => {
  it("writes members in order, omits absent values, keeps empty elements", () => {
    const xml = toXml(
      "R",
      { A: "x<&", Missing: undefined, N: 0, B: false, Tags: list([{ Key: "k", Value: "" }]), Empty: {}, None: list([]) },
      { xmlns: "urn:x" },
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><R xmlns="urn:x"><A>x&lt;&amp;</A><N>0</N><B>false</B><Tags><member><Key>k</Key><Value/></member></Tags><Empty/><None/></R>',
    );
  });

  it("never writes a character XML cannot carry", () => {
    expect(toXml("R", { A: "a\u0000b" }, { declaration: false })).toBe("<R><A>a\uFFFDb</A></R>");
    expect(parseXml(toXml("R", { A: "a\u0001\uFFFEb" })).children[0]!.text).toBe("a\uFFFD\uFFFDb");
  });
});
