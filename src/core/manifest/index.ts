export * from "./csv-reader.js";
export * from "./filters.js";
export * from "./generator.js";
export * from "./inventory-reader.js";
export * from "./records.js";
export * from "./source.js";
