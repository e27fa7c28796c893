// Token ids (and decoded texts) from Hugging Face's own tokenizers (the Rust library, through
// the Node bindings of @anush008/tokenizers) for the ONNX backend's tokenizer tests.
//
//   node reference.js NODE_MODULES_DIR TOKENIZER_DIR TEXTS_JSON OUT_JSON SUBSET_OUT
//
// TOKENIZER_DIR holds bert_full, clip, gpt2 and use_lite .tokenizer.json. SUBSET_OUT receives
// the BERT tokenizer cut down to the tokens these texts use (the committed fixture), after
// checking that it gives the same ids as the full one.
"use strict";
const fs = require("fs");
const path = require("path");
const [modules, dir, textsPath, outPath, subsetPath] = process.argv.slice(2);
const { Tokenizer } = require(path.join(modules, "@anush008/tokenizers"));
const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));

async function run(file) {
  const tok = Tokenizer.fromFile(file);
  const out = [];
  for (const text of texts) {
    const withSpecial = (await tok.encode(text, null, { addSpecialTokens: true })).getIds();
    const plain = (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
    const decoded = await tok.decode(plain, true);
    out.push({ text, ids: withSpecial, ids_without_special: plain, decoded });
  }
  return out;
}

(async () => {
  const result = { generator: "tools/onnx/tokenizer_reference/reference.js (tools/onnx/gen_tokenizer_fixture.sh)",
                   library: "@anush008/tokenizers 0.6.0 (Hugging Face tokenizers, Rust)", tokenizers: {} };
  for (const name of ["bert_full", "clip", "gpt2", "use_lite"]) {
    result.tokenizers[name] = await run(path.join(dir, name + ".tokenizer.json"));
  }
  // The BERT subset: every token the full tokenizer produced for these texts, plus the specials.
  const full = JSON.parse(fs.readFileSync(path.join(dir, "bert_full.tokenizer.json"), "utf8"));
  const byId = Object.fromEntries(Object.entries(full.model.vocab).map(([t, i]) => [i, t]));
  const keep = new Set(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
  for (const c of result.tokenizers.bert_full) for (const id of c.ids) keep.add(byId[id]);
  const subset = JSON.parse(JSON.stringify(full));
  subset.model.vocab = Object.fromEntries(Object.entries(full.model.vocab).filter(([t]) => keep.has(t)));
  fs.writeFileSync(subsetPath, JSON.stringify(subset));
  const check = await run(subsetPath);
  check.forEach((c, i) => {
    if (JSON.stringify(c.ids) !== JSON.stringify(result.tokenizers.bert_full[i].ids)) {
      throw new Error("the BERT subset tokenizes differently: " + JSON.stringify(c.text));
    }
  });
  result.tokenizers.bert = result.tokenizers.bert_full;
  delete result.tokenizers.bert_full;
  fs.writeFileSync(outPath, JSON.stringify(result, null, 0) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
