// An engine command for bench/vs_engine.sh: llama.cpp through npm's node-llama-cpp (which ships
// llama.cpp built for linux-x64), installed by hand outside the repository:
//   mkdir ~/engine && cd ~/engine && npm init -y && npm install node-llama-cpp@3.22.1
//   cp bench/engines/node_llama_cpp.mjs ~/engine/   (an ES module finds its imports from where it lies)
//   bench/vs_engine.sh "node $HOME/engine/node_llama_cpp.mjs" MODEL.gguf
// Usage: node node_llama_cpp.mjs MODEL PROMPT DECODE THREADS: a prompt
// of PROMPT tokens evaluated at once (prefill), then DECODE tokens generated greedily one at a time;
// prints "prefill_tok_s=... decode_tok_s=...". CPU only (gpu: false), no build from source.
import {getLlama} from "node-llama-cpp";
const [model, P = "512", D = "128", T = "2"] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", maxThreads: Number(T)});
// Read into memory at load (no mmap): the first pass over the weights is not a page-fault storm inside the timed prefill.
const m = await llama.loadModel({modelPath: model, gpuLayers: 0, useMmap: false});
const ctx = await m.createContext({contextSize: Number(P) + Number(D) + 8, batchSize: Number(P), threads: Number(T)});
const seq = ctx.getSequence();
const prompt = Array.from({length: Number(P)}, (_, i) => 259 + (i * 7919) % 40);  // normal tokens of any vocabulary of 300 or more
let t0 = performance.now();
await seq.evaluateWithoutGeneratingNewTokens(prompt);
const prefill = Number(P) / ((performance.now() - t0) / 1000);
let n = 0;
t0 = performance.now();
for await (const tok of seq.evaluate([prompt[0]], {temperature: 0})) {
  if (++n >= Number(D)) break;
}
const decode = n / ((performance.now() - t0) / 1000);
console.log(`prefill_tok_s=${prefill.toFixed(2)} decode_tok_s=${decode.toFixed(2)}`);
await ctx.dispose(); await m.dispose(); await llama.dispose();
