#!/usr/bin/env python3
"""Writes a Llama-shaped GGUF file (version 3: metadata, a tokenizer vocabulary and the tensor table;
the weights' bytes are a hole: the file has its full size but is sparse, so it costs no disk): the input of `xpubench suite from-model` for bench/model_layers.sh, and
the seeds of the GGUF fuzz target (fuzz/corpus/gguf).
Usage: make_gguf.py [--data] [--tied] OUT [layers hidden ffn heads kv_heads vocab type]; default Llama-2-7B in q4_0
(32 layers, hidden 4096, ffn 11008, 32 heads, 32 KV heads, 32000 tokens; type 2 = q4_0).
--data: a file llama.cpp runs (bench/vs_engine.sh): every weight written (valid blocks of random values
with a small scale: time per token does not depend on the values, and a hole would be read as one
page of zeros), an SPM vocabulary with its scores, token types and the 256 byte tokens, and the
hyperparameters llama.cpp requires. --tied: no output.weight (the embedding is the output matrix,
as in Llama-3.2-1B). --experts=E,U: a mixture of experts as Mixtral stores it (E experts of the FFN's
shape per layer in ffn_{gate,up,down}_exps, U used per token, a router ffn_gate_inp in the weights'
type) instead of the dense FFN."""
import os
import struct
import sys


def text(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def vocabulary(vocab, data):
    """The tokenizer's metadata: names only, or (data) an SPM vocabulary llama.cpp loads."""
    if not data:
        return [text("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, vocab) + b"".join(text("tok%d" % i) for i in range(vocab))]
    names = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    names += ["tok%d" % i for i in range(vocab - len(names))]
    types = [2, 3, 3] + [6] * 256 + [1] * (vocab - 259)  # unknown, control, byte, normal
    return [text("tokenizer.ggml.model") + struct.pack("<I", 8) + text("llama"),
            text("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, vocab) + b"".join(text(n) for n in names),
            text("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, vocab) + struct.pack("<%df" % vocab, *[-float(i) for i in range(vocab)]),
            text("tokenizer.ggml.token_type") + struct.pack("<IIQ", 9, 5, vocab) + struct.pack("<%di" % vocab, *types)] + \
           [text("tokenizer.ggml.%s_token_id" % k) + struct.pack("<II", 4, v) for k, v in (("unknown", 0), ("bos", 1), ("eos", 2))]


def tensor_bytes(t, size, chunk):
    """size bytes of valid data of ggml type t: q4_0/q8_0 blocks with an fp16 scale of 1/128, f32/f16 ones."""
    if t in (0, 1):
        one = struct.pack("<f", 1.0) if t == 0 else struct.pack("<H", 0x3C00)
        return one * (size // len(one))
    return (chunk * (size // len(chunk) + 1))[:size]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data, tied = "--data" in sys.argv, "--tied" in sys.argv
    experts = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--experts=")]
    n_experts, n_used = (int(x) for x in experts[0].split(",")) if experts else (0, 0)
    if experts and not 1 <= n_used <= n_experts:
        sys.exit("make_gguf.py: --experts=E,U needs 1 <= U <= E")
    out = args[0]
    layers, hidden, ffn, heads, kv_heads, vocab, wtype = (int(x) for x in (args[1:8] or [32, 4096, 11008, 32, 32, 32000, 2]))
    if data and vocab < 260:
        sys.exit("make_gguf.py: --data needs a vocabulary of at least 260 tokens (3 special, 256 bytes)")
    kv = []
    kv.append(text("general.architecture") + struct.pack("<I", 8) + text("llama"))
    kv.append(text("general.name") + struct.pack("<I", 8) + text("bench-llama"))
    for key, value in [("block_count", layers), ("embedding_length", hidden), ("feed_forward_length", ffn),
                       ("attention.head_count", heads), ("attention.head_count_kv", kv_heads)] + ([("context_length", 4096)] if data else []):
        kv.append(text("llama." + key) + struct.pack("<II", 4, value))
    if n_experts:
        kv += [text("llama.expert_count") + struct.pack("<II", 4, n_experts), text("llama.expert_used_count") + struct.pack("<II", 4, n_used)]
    if data:
        kv.append(text("llama.attention.layer_norm_rms_epsilon") + struct.pack("<If", 6, 1e-5))
        kv.append(text("general.alignment") + struct.pack("<II", 4, 32))
    kv += vocabulary(vocab, data)
    head_dim = hidden // heads
    tensors = [("token_embd.weight", [hidden, vocab], wtype)]
    for layer in range(layers):
        b = "blk.%d." % layer
        tensors += [(b + "attn_norm.weight", [hidden], 0), (b + "attn_q.weight", [hidden, hidden], wtype),
                    (b + "attn_k.weight", [hidden, kv_heads * head_dim], wtype), (b + "attn_v.weight", [hidden, kv_heads * head_dim], wtype),
                    (b + "attn_output.weight", [hidden, hidden], wtype), (b + "ffn_norm.weight", [hidden], 0)]
        if n_experts:
            tensors += [(b + "ffn_gate_inp.weight", [hidden, n_experts], wtype), (b + "ffn_gate_exps.weight", [hidden, ffn, n_experts], wtype),
                        (b + "ffn_up_exps.weight", [hidden, ffn, n_experts], wtype), (b + "ffn_down_exps.weight", [ffn, hidden, n_experts], wtype)]
        else:
            tensors += [(b + "ffn_gate.weight", [hidden, ffn], wtype), (b + "ffn_up.weight", [hidden, ffn], wtype),
                        (b + "ffn_down.weight", [ffn, hidden], wtype)]
    tensors += [("output_norm.weight", [hidden], 0)] + ([] if tied else [("output.weight", [hidden, vocab], wtype)])
    block = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34)}  # ggml type: (weights, bytes) per block
    if wtype not in block:
        sys.exit("make_gguf.py: type %d: this writer knows f32 (0), f16 (1), q4_0 (2) and q8_0 (8)" % wtype)
    table, offset, sizes = [], 0, []
    for name, dims, t in tensors:
        table.append(text(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", t, offset))
        elements = 1
        for d in dims:
            elements *= d
        weights, size = block[t]
        sizes.append((t, elements // weights * size))
        offset += (elements // weights * size + 31) // 32 * 32  # the next tensor starts aligned (general.alignment: 32)
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv) + b"".join(table)
    with open(out, "wb") as f:
        f.write(header)
        if not data:
            f.truncate((len(header) + 31) // 32 * 32 + offset)  # the data section: a hole
            return
        f.write(bytes((-len(header)) % 32))
        bsize = block.get(wtype, (1, 1))[1]
        chunk = bytearray(os.urandom(bsize * 58254))  # 58254 blocks: 1 MiB of q4_0, 2 MB of q8_0
        for b in range(0, len(chunk), bsize):
            if bsize in (18, 34):
                chunk[b:b + 2] = struct.pack("<H", 0x2000)  # scale 1/128
        chunk = bytes(chunk)
        for t, size in sizes:
            f.write(tensor_bytes(t, size, chunk if t == wtype else b""))
            f.write(bytes((-size) % 32))


if __name__ == "__main__":
    main()
