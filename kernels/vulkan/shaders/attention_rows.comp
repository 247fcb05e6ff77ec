#version 450
// Scaled dot-product attention with a subgroup per query (or per QS consecutive queries): the form for devices with one fixed
// subgroup size that divides head_dim in vec4s (lavapipe: 8 lanes, the CPU's SIMD register), where
// attention.comp's 32-query work-groups, shared-memory staging and barriers cost more than the
// arithmetic (and a decoding step, one query, idles 31 of their 32 invocations). The SG lanes of a
// subgroup hold QS consecutive query rows and their output rows in V = D / (4 SG) vec4s each,
// interleaved (lane l holds vec4s l, l + SG, ...); keys and values are fetched as vec4s, BK rows at
// a time, each fetch serving the QS queries: each lane's partial dot products, subgroup sums, then
// the online softmax (each query's running maximum moves and its output is rescaled once per block)
// and the lane's part of the weighted value rows.
// No barriers, no shared memory, nothing of size seq_q x seq_kv stored.
// Defines: the type (types.glsl: XPU_FP32 or XPU_FP16). Specialization: the work-group size (id 0, a
// multiple of SG), D (id 1, head_dim, a multiple of 4 SG), SG (id 2, the device's subgroup size),
// QS (id 3).
// Bindings: Q, K, V, O. Push constants: heads, kv_heads, seq_q, seq_kv, causal, scale (float bits).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint SG = 8;
layout(constant_id = 3) const uint QS = 1;  // queries per subgroup (consecutive positions): each key and value fetch serves QS
const uint V = D / (4 * SG);
const uint BK = 8;

#if defined(XPU_FP32)
#define V4_T vec4
#else
#define V4_T f16vec4
#endif
#ifdef TEXEL
// -DTEXEL: Q, K and V through uniform texel buffers (RGBA views: fp32 or fp16 fetched as floats).
// Mesa 22's llvmpipe makes a storage-buffer load whose address differs between lanes one scalar
// load per lane with a bounds check each, a texel fetch one vector gather (gemm_rows.comp).
layout(binding = 0) uniform samplerBuffer q_texels;
layout(binding = 1) uniform samplerBuffer k_texels;
layout(binding = 2) uniform samplerBuffer v_texels;
#define Q4(i) texelFetch(q_texels, int(i))
#define K4(i) texelFetch(k_texels, int(i))
#define V4(i) texelFetch(v_texels, int(i))
#else
layout(std430, binding = 0) readonly buffer Qb { V4_T q_in[]; };
layout(std430, binding = 1) readonly buffer Kb { V4_T k_in[]; };
layout(std430, binding = 2) readonly buffer Vb { V4_T v_in[]; };
#define Q4(i) vec4(q_in[i])
#define K4(i) vec4(k_in[i])
#define V4(i) vec4(v_in[i])
#endif
layout(std430, binding = 3) writeonly buffer Ob { A_T o_out[]; };
layout(push_constant) uniform Push { uint heads, kv_heads, seq_q, seq_kv, causal, scale_bits; };

void main() {
  // The subgroup's own ids (Vulkan does not promise invocation i is lane i % SG); every subgroup is
  // SG lanes: the host picks this shader only where subgroup size control reports that one size.
  const uint per_group = gl_WorkGroupSize.x / SG * QS, qblocks = (seq_q + per_group - 1) / per_group;
  const uint sub = gl_SubgroupID, lane = gl_SubgroupInvocationID;
  const uint bh = gl_WorkGroupID.x / qblocks, i0 = (gl_WorkGroupID.x % qblocks) * per_group + sub * QS;
  const uint b = bh / heads, h = bh % heads;
  // in vec4s: rows of D / 4
  const uint kv_base = (b * kv_heads + h / (heads / kv_heads)) * seq_kv * (D / 4), q_base = (bh * seq_q + i0) * (D / 4);
  const float scale = uintBitsToFloat(scale_bits);
  // Per query r of the subgroup (the same on its lanes): the keys it sees, its running maximum and sum.
  uint visible[QS];
  float top[QS], sum[QS];
  vec4 q[QS][V], o[QS][V];
  uint most = 0;
  [[unroll]] for (uint r = 0; r < QS; ++r) {
    const bool live = i0 + r < seq_q;
    visible[r] = !live ? 0 : causal != 0 ? min(seq_kv, i0 + r + 1 + seq_kv - seq_q) : seq_kv;
    most = max(most, visible[r]);
    top[r] = -1.0 / 0.0;
    sum[r] = 0.0;
    [[unroll]] for (uint t = 0; t < V; ++t) {
      q[r][t] = live ? Q4(q_base + r * (D / 4) + lane + SG * t) * scale : vec4(0.0);
      o[r][t] = vec4(0.0);
    }
  }
  for (uint j0 = 0; j0 < most; j0 += BK) {
    const uint n = min(BK, most - j0);
    float s[QS][BK];
    [[unroll]] for (uint j = 0; j < BK; ++j) {
      float part[QS];
      [[unroll]] for (uint r = 0; r < QS; ++r) part[r] = 0.0;
      if (j < n) {
        const uint row = kv_base + (j0 + j) * (D / 4);
        [[unroll]] for (uint t = 0; t < V; ++t) {
          const vec4 k = K4(row + lane + SG * t);  // one fetch for the subgroup's QS queries
          [[unroll]] for (uint r = 0; r < QS; ++r) part[r] += dot(q[r][t], k);
        }
      }
      [[unroll]] for (uint r = 0; r < QS; ++r) s[r][j] = subgroupAdd(part[r]);
    }
    [[unroll]] for (uint r = 0; r < QS; ++r) {
      float block_top = top[r];
      [[unroll]] for (uint j = 0; j < BK; ++j)
        if (j0 + j < visible[r]) block_top = max(block_top, s[r][j]);
      if (block_top == -1.0 / 0.0) continue;  // no key of this block is visible to query r, nor was any before
      const float correction = exp(top[r] - block_top);  // 0 on the first block: exp(-inf)
      sum[r] *= correction;
      [[unroll]] for (uint t = 0; t < V; ++t) o[r][t] *= correction;
      top[r] = block_top;
    }
    [[unroll]] for (uint j = 0; j < BK; ++j) {
      if (j < n) {
        const uint row = kv_base + (j0 + j) * (D / 4);
        vec4 v[V];
        [[unroll]] for (uint t = 0; t < V; ++t) v[t] = V4(row + lane + SG * t);
        [[unroll]] for (uint r = 0; r < QS; ++r) {
          if (j0 + j < visible[r]) {
            const float p = exp(s[r][j] - top[r]);
            sum[r] += p;
            [[unroll]] for (uint t = 0; t < V; ++t) o[r][t] = fma(vec4(p), v[t], o[r][t]);
          }
        }
      }
    }
  }
  [[unroll]] for (uint r = 0; r < QS; ++r) {
    if (i0 + r >= seq_q) continue;
    const float inv = 1.0 / sum[r];
    [[unroll]] for (uint t = 0; t < V; ++t)
      [[unroll]] for (uint e = 0; e < 4; ++e) o_out[(q_base + r * (D / 4) + lane + SG * t) * 4 + e] = A_T(o[r][t][e] * inv);
  }
}
