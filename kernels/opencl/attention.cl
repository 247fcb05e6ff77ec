// Scaled dot-product attention, flash-style (core/problem.hpp: attention_shape). A work-group of BQ
// work-items takes BQ consecutive queries of one (batch, head); each work-item holds its query row
// (pre-scaled by 1/sqrt(D)) and its output row in private memory. Keys and values are staged BK at
// a time in local memory; per block each work-item scores its visible keys, moves its running
// maximum once (rescaling its sum and output), and adds the block's weighted values: the online
// softmax, nothing of size seq_q x seq_kv is stored. Build defines: the type (types.cl), D
// (head_dim), BQ, BK.
#if defined(XPU_FP16)
#define STORE_O(p, i, v) vstore_half((v), (i), (p))
#else
#define STORE_O(p, i, v) ((p)[i] = (v))
#endif

__kernel __attribute__((reqd_work_group_size(BQ, 1, 1))) void attention(const int heads, const int kv_heads, const int seq_q, const int seq_kv,
                                                                       const int causal, const float scale, __global const a_t* Q,
                                                                       __global const a_t* K, __global const a_t* V, __global a_t* O) {
  __local float ks[BK * D], vs[BK * D];
  const int qblocks = (seq_q + BQ - 1) / BQ;
  const int bh = get_group_id(0) / qblocks, first = (get_group_id(0) % qblocks) * BQ, lid = get_local_id(0), i = first + lid;
  const int b = bh / heads, h = bh % heads;
  const size_t kv_base = ((size_t)b * kv_heads + h / (heads / kv_heads)) * seq_kv * D, q_base = ((size_t)bh * seq_q + i) * D;
  const int active = i < seq_q;
  const int visible = !active ? 0 : causal ? min(seq_kv, i + 1 + seq_kv - seq_q) : seq_kv;
  const int last_row = min(seq_q, first + BQ) - 1;
  const int keys = causal ? min(seq_kv, last_row + 1 + seq_kv - seq_q) : seq_kv;  // what the group's last query sees
  float q[D], o[D], s[BK];
  for (int c = 0; c < D; ++c) {
    q[c] = active ? LOAD_A(Q, q_base + c) * scale : 0.0f;
    o[c] = 0.0f;
  }
  float top = -INFINITY, sum = 0.0f;
  for (int j0 = 0; j0 < keys; j0 += BK) {
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int x = lid; x < BK * D; x += BQ) {
      const int j = j0 + x / D;
      const size_t at = kv_base + (size_t)j0 * D + x;
      ks[x] = j < seq_kv ? LOAD_A(K, at) : 0.0f;
      vs[x] = j < seq_kv ? LOAD_A(V, at) : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int n = min(BK, visible - j0);
    if (n <= 0) continue;
    float block_top = top;
    for (int j = 0; j < BK; ++j) {
      float dot = 0.0f;
      for (int c = 0; c < D; ++c) dot = fma(q[c], ks[j * D + c], dot);
      s[j] = dot;
      if (j < n) block_top = fmax(block_top, dot);
    }
    const float correction = exp(top - block_top);  // 0 on the first block: exp(-inf)
    sum *= correction;
    for (int c = 0; c < D; ++c) o[c] *= correction;
    for (int j = 0; j < n; ++j) {
      const float p = exp(s[j] - block_top);
      sum += p;
      for (int c = 0; c < D; ++c) o[c] = fma(p, vs[j * D + c], o[c]);
    }
    top = block_top;
  }
  if (active)
    for (int c = 0; c < D; ++c) STORE_O(O, q_base + c, o[c] / sum);
}

#ifdef VEC
// CPU devices (-DVEC=n, D % n == 0): one query row per work-item, no barriers and no local memory
// (the staged block is what the CPU's caches hold anyway): the row and the output as D / VEC
// vectors, each key scored with D / VEC vector FMAs and one horizontal sum, each value added with
// D / VEC vector FMAs. The online softmax moves its maximum once per BK keys.
#if VEC == 16
#define HSUM(a) dot((a).s0123 + (a).s4567 + (a).s89ab + (a).scdef, (float4)(1.0f))
#elif VEC == 8
#define HSUM(a) dot((a).lo + (a).hi, (float4)(1.0f))
#else
#define HSUM(a) dot((a), (float4)(1.0f))
#endif
#if defined(XPU_FP16)
#define STORE_OV(p, i, v) XCAT(vstore_half, VEC)((v), 0, (p) + (i))
#else
#define STORE_OV(p, i, v) XCAT(vstore, VEC)((v), 0, (p) + (i))
#endif
#define NV (D / VEC)
__kernel void attention_rows(const int heads, const int kv_heads, const int seq_q, const int seq_kv, const int causal, const float scale,
                             __global const a_t* Q, __global const a_t* K, __global const a_t* V, __global a_t* O) {
  const int row = get_global_id(0);  // (b * heads + h) * seq_q + i; the global size is the row count
  const int bh = row / seq_q, i = row % seq_q;
  const int b = bh / heads, h = bh % heads;
  const size_t kv_base = ((size_t)b * kv_heads + h / (heads / kv_heads)) * seq_kv * D, q_base = (size_t)row * D;
  const int visible = causal ? min(seq_kv, i + 1 + seq_kv - seq_q) : seq_kv;
  accv_t q[NV], o[NV];
  for (int v = 0; v < NV; ++v) {
    q[v] = LOAD_BV(Q, q_base + v * VEC) * scale;
    o[v] = (accv_t)(0.0f);
  }
  float top = -INFINITY, sum = 0.0f, s[BK];
  for (int j0 = 0; j0 < visible; j0 += BK) {
    const int n = min(BK, visible - j0);
    float block_top = top;
    for (int j = 0; j < n; ++j) {
      const size_t at = kv_base + (size_t)(j0 + j) * D;
      accv_t acc = q[0] * LOAD_BV(K, at);
      for (int v = 1; v < NV; ++v) acc = fma(q[v], LOAD_BV(K, at + v * VEC), acc);
      s[j] = HSUM(acc);
      block_top = fmax(block_top, s[j]);
    }
    const float correction = exp(top - block_top);
    sum *= correction;
    for (int v = 0; v < NV; ++v) o[v] *= correction;
    for (int j = 0; j < n; ++j) {
      const float p = exp(s[j] - block_top);
      const size_t at = kv_base + (size_t)(j0 + j) * D;
      sum += p;
      for (int v = 0; v < NV; ++v) o[v] = fma((accv_t)(p), LOAD_BV(V, at + v * VEC), o[v]);
    }
    top = block_top;
  }
  const float inv = 1.0f / sum;
  for (int v = 0; v < NV; ++v) STORE_OV(O, q_base + v * VEC, o[v] * inv);
}
#endif
