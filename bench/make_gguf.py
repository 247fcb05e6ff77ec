#!/usr/bin/env python3
"""Writes a Llama-shaped GGUF file (version 3: metadata, a tokenizer vocabulary and the tensor table;
the weights' bytes are a hole: the file has its full size but is sparse, so it costs no disk): the input of `xpubench suite from-model` for bench/model_layers.sh, and
the seeds of the GGUF fuzz target (fuzz/corpus/gguf).
Usage: make_gguf.py OUT [layers hidden ffn heads kv_heads vocab type]; default Llama-2-7B in q4_0
(32 layers, hidden 4096, ffn 11008, 32 heads, 32 KV heads, 32000 tokens; type 2 = q4_0)."""
import struct
import sys


def text(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def main():
    out = sys.argv[1]
    layers, hidden, ffn, heads, kv_heads, vocab, wtype = (int(x) for x in (sys.argv[2:9] or [32, 4096, 11008, 32, 32, 32000, 2]))
    kv = []
    kv.append(text("general.architecture") + struct.pack("<I", 8) + text("llama"))
    kv.append(text("general.name") + struct.pack("<I", 8) + text("bench-llama"))
    for key, value in [("block_count", layers), ("embedding_length", hidden), ("feed_forward_length", ffn),
                       ("attention.head_count", heads), ("attention.head_count_kv", kv_heads)]:
        kv.append(text("llama." + key) + struct.pack("<II", 4, value))
    kv.append(text("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, vocab) + b"".join(text("tok%d" % i) for i in range(vocab)))
    head_dim = hidden // heads
    tensors = [("token_embd.weight", [hidden, vocab], wtype)]
    for layer in range(layers):
        b = "blk.%d." % layer
        tensors += [(b + "attn_norm.weight", [hidden], 0), (b + "attn_q.weight", [hidden, hidden], wtype),
                    (b + "attn_k.weight", [hidden, kv_heads * head_dim], wtype), (b + "attn_v.weight", [hidden, kv_heads * head_dim], wtype),
                    (b + "attn_output.weight", [hidden, hidden], wtype), (b + "ffn_norm.weight", [hidden], 0),
                    (b + "ffn_gate.weight", [hidden, ffn], wtype), (b + "ffn_up.weight", [hidden, ffn], wtype),
                    (b + "ffn_down.weight", [ffn, hidden], wtype)]
    tensors += [("output_norm.weight", [hidden], 0), ("output.weight", [hidden, vocab], wtype)]
    block = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34)}  # ggml type: (weights, bytes) per block
    if wtype not in block:
        sys.exit("make_gguf.py: type %d: this writer knows f32 (0), f16 (1), q4_0 (2) and q8_0 (8)" % wtype)
    table, offset = [], 0
    for name, dims, t in tensors:
        table.append(text(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", t, offset))
        elements = 1
        for d in dims:
            elements *= d
        weights, size = block[t]
        offset += (elements // weights * size + 31) // 32 * 32  # the next tensor starts aligned (general.alignment: 32)
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv) + b"".join(table)
    with open(out, "wb") as f:
        f.write(header)
        f.truncate((len(header) + 31) // 32 * 32 + offset)  # the data section: a hole


if __name__ == "__main__":
    main()
