export * from "./node.js";
export * from "./reader.js";
export * from "./writer.js";
export * from "./codec.js";
export * from "./shapes.js";
