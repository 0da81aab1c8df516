export * from "./checkpoint.js";
export * from "./engine.js";
export * from "./failures.js";
export * from "./report-layouts.js";
export * from "./report-writer.js";
export * from "./retries.js";
