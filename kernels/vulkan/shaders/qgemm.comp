#version 450
// Quantized GEMM (ops/qgemm/): Y[M x N] = X . W^T with W (N rows of K / 32 blocks) in GGUF's Q8_0
// (-DQ8) or Q4_0 (-DQ4) blocks; X fp32 (-DX_FP32) or Q8_0 blocks (-DX_Q8: an int32 dot product per
// block, then both scales). The blocks (18 or 34 bytes) are read from 32-bit words byte by byte, so
// no 8- or 16-bit storage is needed; scales through unpackHalf2x16. One output per invocation:
// work-groups of 64 along N (specialization id 0), M in the second dimension. Push constants: M, N, K,
// and the copy this dispatch computes (ops/qgemm's streamed weights: W and Y hold `copies` of theirs;
// the host keeps every byte address below 2^32).
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Xb {
#if defined(X_Q8)
  uint x_words[];
#else
  float x_in[];
#endif
};
layout(std430, binding = 1) readonly buffer Wb { uint w_words[]; };
#if defined(IDS)
// moe (-DIDS, ops/moe/): M is the (token, choice) pairs, USED the choices per token; pair i is token
// i / USED times expert ids[i] of copy `layer` (EXPERTS matrices each), into that copy's output row i.
layout(std430, binding = 2) readonly buffer Ib { int ids[]; };
layout(std430, binding = 3) writeonly buffer Yb { float y[]; };
layout(push_constant) uniform Push { uint M, N, K, USED, EXPERTS, layer; };  // layer: the copy of the experts this dispatch reads
#else
layout(std430, binding = 2) writeonly buffer Yb { float y[]; };
layout(push_constant) uniform Push { uint M, N, K, copy; };
#endif

#if defined(Q4)
const uint WBLOCK = 18;
#else
const uint WBLOCK = 34;
#endif

uint w_byte(uint a) { return (w_words[a >> 2] >> ((a & 3) * 8)) & 0xff; }
float w_scale(uint a) { return unpackHalf2x16(w_byte(a) | (w_byte(a + 1) << 8)).x; }
int w_low(uint block, uint t) {
#if defined(Q4)
  return int(w_byte(block + 2 + t) & 15) - 8;
#else
  return int(w_byte(block + 2 + t) << 24) >> 24;
#endif
}
int w_high(uint block, uint t) {
#if defined(Q4)
  return int(w_byte(block + 2 + t) >> 4) - 8;
#else
  return int(w_byte(block + 18 + t) << 24) >> 24;
#endif
}
#if defined(X_Q8)
uint x_byte(uint a) { return (x_words[a >> 2] >> ((a & 3) * 8)) & 0xff; }
float x_scale(uint a) { return unpackHalf2x16(x_byte(a) | (x_byte(a + 1) << 8)).x; }
int x_value(uint a) { return int(x_byte(a) << 24) >> 24; }
#endif

void main() {
  const uint j = gl_GlobalInvocationID.x;
#if defined(IDS)
  const uint pair = gl_GlobalInvocationID.y, i = pair / USED;
  if (j >= N || pair >= M) return;
  const uint copy = layer * EXPERTS + uint(ids[pair]), out_row = layer * M + pair;
#else
  const uint i = gl_GlobalInvocationID.y;
  if (j >= N || i >= M) return;
  const uint out_row = copy * M + i;
#endif
  const uint blocks = K / 32;
  float acc = 0.0;
  for (uint b = 0; b < blocks; ++b) {
    const uint w = ((copy * N + j) * blocks + b) * WBLOCK;
    const float dw = w_scale(w);
#if defined(X_Q8)
    const uint x = (i * blocks + b) * 34;
    int s = 0;
    for (uint t = 0; t < 16; ++t) s += x_value(x + 2 + t) * w_low(w, t) + x_value(x + 18 + t) * w_high(w, t);
    acc = fma(x_scale(x) * dw, float(s), acc);
#else
    const uint x = i * K + b * 32;
    float s = 0.0;
    for (uint t = 0; t < 16; ++t) s = fma(x_in[x + t], float(w_low(w, t)), fma(x_in[x + 16 + t], float(w_high(w, t)), s));
    acc = fma(dw, s, acc);
#endif
  }
  y[out_row * N + j] = acc;
}
