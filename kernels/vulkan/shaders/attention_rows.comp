#version 450
// Scaled dot-product attention with a subgroup per query: the form for devices with one fixed
// subgroup size that divides head_dim in vec4s (lavapipe: 8 lanes, the CPU's SIMD register), where
// attention.comp's 32-query work-groups, shared-memory staging and barriers cost more than the
// arithmetic (and a decoding step, one query, idles 31 of their 32 invocations). The SG lanes of a
// subgroup hold one query row and its output row in V = D / (4 SG) vec4s each, interleaved (lane l
// holds vec4s l, l + SG, ...); keys and values are read straight from memory as vec4s, BK rows at a
// time: each lane's partial dot products, subgroup sums, then the online softmax (the running maximum
// moves and the output is rescaled once per block) and the lane's part of the weighted value rows.
// No barriers, no shared memory, nothing of size seq_q x seq_kv stored.
// Defines: the type (types.glsl: XPU_FP32 or XPU_FP16). Specialization: the work-group size (id 0, a
// multiple of SG), D (id 1, head_dim, a multiple of 4 SG), SG (id 2, the device's subgroup size).
// Bindings: Q, K, V, O. Push constants: heads, kv_heads, seq_q, seq_kv, causal, scale (float bits).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
#include "types.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint SG = 8;
const uint V = D / (4 * SG);
const uint BK = 8;

#if defined(XPU_FP32)
#define V4_T vec4
#else
#define V4_T f16vec4
#endif
layout(std430, binding = 0) readonly buffer Qb { V4_T q_in[]; };
layout(std430, binding = 1) readonly buffer Kb { V4_T k_in[]; };
layout(std430, binding = 2) readonly buffer Vb { V4_T v_in[]; };
layout(std430, binding = 3) writeonly buffer Ob { A_T o_out[]; };
layout(push_constant) uniform Push { uint heads, kv_heads, seq_q, seq_kv, causal, scale_bits; };

void main() {
  // The subgroup's own ids (Vulkan does not promise invocation i is lane i % SG); every subgroup is
  // SG lanes: the host picks this shader only where subgroup size control reports that one size.
  const uint per_group = gl_WorkGroupSize.x / SG, qblocks = (seq_q + per_group - 1) / per_group;
  const uint sub = gl_SubgroupID, lane = gl_SubgroupInvocationID;
  const uint bh = gl_WorkGroupID.x / qblocks, i = (gl_WorkGroupID.x % qblocks) * per_group + sub;
  const uint b = bh / heads, h = bh % heads;
  // in vec4s: rows of D / 4
  const uint kv_base = (b * kv_heads + h / (heads / kv_heads)) * seq_kv * (D / 4), q_base = (bh * seq_q + i) * (D / 4);
  const bool live = i < seq_q;
  const uint visible = !live ? 0 : causal != 0 ? min(seq_kv, i + 1 + seq_kv - seq_q) : seq_kv;  // the same on the subgroup's lanes
  const float scale = uintBitsToFloat(scale_bits);
  vec4 q[V], o[V];
  [[unroll]] for (uint t = 0; t < V; ++t) {
    q[t] = live ? vec4(q_in[q_base + lane + SG * t]) * scale : vec4(0.0);
    o[t] = vec4(0.0);
  }
  float top = -1.0 / 0.0, sum = 0.0;
  for (uint j0 = 0; j0 < visible; j0 += BK) {
    const uint n = min(BK, visible - j0);
    float s[BK];
    float block_top = top;
    [[unroll]] for (uint j = 0; j < BK; ++j) {
      float part = 0.0;
      if (j < n) {
        const uint row = kv_base + (j0 + j) * (D / 4);
        [[unroll]] for (uint t = 0; t < V; ++t) part += dot(q[t], vec4(k_in[row + lane + SG * t]));
      }
      s[j] = subgroupAdd(part);
      if (j < n) block_top = max(block_top, s[j]);
    }
    const float correction = exp(top - block_top);  // 0 on the first block: exp(-inf)
    sum *= correction;
    [[unroll]] for (uint t = 0; t < V; ++t) o[t] *= correction;
    [[unroll]] for (uint j = 0; j < BK; ++j) {
      if (j < n) {
        const float p = exp(s[j] - block_top);
        sum += p;
        const uint row = kv_base + (j0 + j) * (D / 4);
        [[unroll]] for (uint t = 0; t < V; ++t) o[t] = fma(vec4(p), vec4(v_in[row + lane + SG * t]), o[t]);
      }
    }
    top = block_top;
  }
  if (live) {
    const float inv = 1.0 / sum;
    [[unroll]] for (uint t = 0; t < V; ++t)
      [[unroll]] for (uint e = 0; e < 4; ++e) o_out[(q_base + lane + SG * t) * 4 + e] = A_T(o[t][e] * inv);
  }
}
