import { csvLayout, parseRecords } from "../src/core/manifest/index.js";
import { manifestChunks } from "./engine-jobs.js";
const inWorker = process.argv[2] === "1";
const lines = Number(process.argv[3] ?? 1_000_000);
const rss0 = process.memoryUsage().rss;
const t = performance.now();
let n = 0;
for await (const b of parseRecords(async () => manifestChunks(lines), { layout: csvLayout(), batchSize: 4096, inWorker })) n += b.length;
console.log(JSON.stringify({ inWorker, n, ms: Math.round(performance.now() - t), rss0: Math.round(rss0 / 1048576), maxRss: Math.round(process.resourceUsage().maxRSS / 1024), cpu: Math.round(process.cpuUsage().user / 1000) }));
