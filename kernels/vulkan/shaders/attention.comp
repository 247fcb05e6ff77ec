#version 450
// Scaled dot-product attention, flash-style (core/problem.hpp: attention_shape): a work-group of BQ
// invocations takes BQ consecutive queries of one (batch, head); each invocation holds its query row
// (pre-scaled by 1/sqrt(D)) and its output row as D / 4 vec4s. Keys and values are staged BK at a
// time in shared memory; per block each invocation scores its visible keys, moves its running
// maximum once (rescaling its sum and output), and adds the block's weighted values (the online
// softmax; nothing of size seq_q x seq_kv is stored). Defines: the type (types.glsl: XPU_FP32 or
// XPU_FP16). Specialization: BQ (id 0, the work-group size), D (id 1, head_dim, a multiple of 4),
// BK (id 2). Bindings: Q, K, V, O. Push constants: heads, kv_heads, seq_q, seq_kv, causal, scale
// (float bits).
#extension GL_GOOGLE_include_directive : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint BK = 16;
const uint D4 = D / 4;

layout(std430, binding = 0) readonly buffer Qb { A_T q_in[]; };
layout(std430, binding = 1) readonly buffer Kb { A_T k_in[]; };
layout(std430, binding = 2) readonly buffer Vb { A_T v_in[]; };
layout(std430, binding = 3) writeonly buffer Ob { A_T o_out[]; };
layout(push_constant) uniform Push { uint heads, kv_heads, seq_q, seq_kv, causal, scale_bits; };

shared vec4 ks[BK * D4];
shared vec4 vs[BK * D4];

vec4 load4(uint at, bool inside, uint which) {
  if (!inside) return vec4(0.0);
  if (which == 0) return vec4(float(q_in[at]), float(q_in[at + 1]), float(q_in[at + 2]), float(q_in[at + 3]));
  if (which == 1) return vec4(float(k_in[at]), float(k_in[at + 1]), float(k_in[at + 2]), float(k_in[at + 3]));
  return vec4(float(v_in[at]), float(v_in[at + 1]), float(v_in[at + 2]), float(v_in[at + 3]));
}

void main() {
  const uint bq = gl_WorkGroupSize.x, qblocks = (seq_q + bq - 1) / bq;
  const uint bh = gl_WorkGroupID.x / qblocks, first = (gl_WorkGroupID.x % qblocks) * bq, lid = gl_LocalInvocationID.x, i = first + lid;
  const uint b = bh / heads, h = bh % heads;
  const uint kv_base = (b * kv_heads + h / (heads / kv_heads)) * seq_kv * D, q_base = (bh * seq_q + i) * D;
  const bool live = i < seq_q;
  const uint visible = !live ? 0 : causal != 0 ? min(seq_kv, i + 1 + seq_kv - seq_q) : seq_kv;
  const uint last_row = min(seq_q, first + bq) - 1;
  const uint keys = causal != 0 ? min(seq_kv, last_row + 1 + seq_kv - seq_q) : seq_kv;  // what the group's last query sees
  const float scale = uintBitsToFloat(scale_bits);
  vec4 q[D4], o[D4];
  float s[BK];
  for (uint c = 0; c < D4; ++c) {
    q[c] = load4(q_base + 4 * c, live, 0) * scale;
    o[c] = vec4(0.0);
  }
  float top = -1.0 / 0.0, sum = 0.0;
  for (uint j0 = 0; j0 < keys; j0 += BK) {
    barrier();
    for (uint x = lid; x < BK * D4; x += bq) {
      const bool inside = j0 + x / D4 < seq_kv;
      ks[x] = load4(kv_base + j0 * D + 4 * x, inside, 1);
      vs[x] = load4(kv_base + j0 * D + 4 * x, inside, 2);
    }
    barrier();
    const uint n = visible > j0 ? min(BK, visible - j0) : 0;
    float block_top = top;
    for (uint j = 0; j < BK; ++j) {
      vec4 acc = q[0] * ks[j * D4];
      for (uint c = 1; c < D4; ++c) acc = fma(q[c], ks[j * D4 + c], acc);
      s[j] = acc.x + acc.y + acc.z + acc.w;
      if (j < n) block_top = max(block_top, s[j]);
    }
    if (n == 0) continue;
    const float correction = exp(top - block_top);  // 0 on the first block: exp(-inf)
    sum *= correction;
    for (uint c = 0; c < D4; ++c) o[c] *= correction;
    for (uint j = 0; j < n; ++j) {
      const float p = exp(s[j] - block_top);
      sum += p;
      for (uint c = 0; c < D4; ++c) o[c] = fma(vec4(p), vs[j * D4 + c], o[c]);
    }
    top = block_top;
  }
  if (live) {
    const float inv = 1.0 / sum;
    for (uint c = 0; c < D4; ++c)
      for (uint e = 0; e < 4; ++e) o_out[q_base + 4 * c + e] = A_T(o[c][e] * inv);
  }
}
