export * from "./node.js";
export * from "./reader.js";
export * from "./writer.js";
