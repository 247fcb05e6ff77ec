// Softmax, RMSNorm and LayerNorm, one work-group of WG work-items per row (a row's passes are reductions
// across the work-group, in local memory). Storage type from types.cl (a_t, LOAD_A); the output
// is written in the input's type. Build defines: the type, WG.
#if defined(XPU_FP16)
#define STORE_Y(p, i, v) vstore_half((v), (i), (p))
#else
#define STORE_Y(p, i, v) ((p)[i] = (v))
#endif

// The work-group's maximum (is_max) or sum of v, returned to every work-item.
float group_reduce(float v, __local float* scratch, const int is_max) {
  const int lid = get_local_id(0);
  barrier(CLK_LOCAL_MEM_FENCE);  // scratch may still be read by a previous reduction
  scratch[lid] = v;
  for (int half_size = WG / 2; half_size > 0; half_size /= 2) {
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < half_size) scratch[lid] = is_max ? fmax(scratch[lid], scratch[lid + half_size]) : scratch[lid] + scratch[lid + half_size];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  return scratch[0];
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void softmax(const int cols, __global const a_t* X, __global a_t* Y) {
  __local float scratch[WG];
  const size_t base = (size_t)get_group_id(0) * cols;
  const int lid = get_local_id(0);
  float top = -INFINITY;
  for (int c = lid; c < cols; c += WG) top = fmax(top, LOAD_A(X, base + c));
  top = group_reduce(top, scratch, 1);
  float sum = 0;
  for (int c = lid; c < cols; c += WG) sum += exp(LOAD_A(X, base + c) - top);
  const float inv = 1.0f / group_reduce(sum, scratch, 0);
  for (int c = lid; c < cols; c += WG) STORE_Y(Y, base + c, exp(LOAD_A(X, base + c) - top) * inv);
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void rmsnorm(const int cols, const float eps, __global const a_t* X,
                                                                     __global const a_t* G, __global a_t* Y) {
  __local float scratch[WG];
  const size_t base = (size_t)get_group_id(0) * cols;
  const int lid = get_local_id(0);
  float squares = 0;
  for (int c = lid; c < cols; c += WG) {
    const float x = LOAD_A(X, base + c);
    squares += x * x;
  }
  const float scale = rsqrt(group_reduce(squares, scratch, 0) / cols + eps);
  for (int c = lid; c < cols; c += WG) STORE_Y(Y, base + c, LOAD_A(X, base + c) * scale * LOAD_A(G, c));
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void layernorm(const int cols, const float eps, __global const a_t* X,
                                                                       __global const a_t* G, __global const a_t* B, __global a_t* Y) {
  __local float scratch[WG];
  const size_t base = (size_t)get_group_id(0) * cols;
  const int lid = get_local_id(0);
  float sum = 0;
  for (int c = lid; c < cols; c += WG) sum += LOAD_A(X, base + c);
  const float mean = group_reduce(sum, scratch, 0) / cols;
  float squares = 0;  // about the mean
  for (int c = lid; c < cols; c += WG) {
    const float d = LOAD_A(X, base + c) - mean;
    squares += d * d;
  }
  const float scale = rsqrt(group_reduce(squares, scratch, 0) / cols + eps);
  for (int c = lid; c < cols; c += WG) STORE_Y(Y, base + c, (LOAD_A(X, base + c) - mean) * scale * LOAD_A(G, c) + LOAD_A(B, c));
}

#ifdef VEC
// CPU devices (-DVEC=n, cols % n == 0): one row per work-item in n-wide vectors, no barriers.
#if defined(XPU_FP16)
#define LOAD_V(p, i) XCAT(vload_half, VEC)(0, (p) + (i))
#define STORE_V(p, i, v) XCAT(vstore_half, VEC)((v), 0, (p) + (i))
#else
#define LOAD_V(p, i) XCAT(vload, VEC)(0, (p) + (i))
#define STORE_V(p, i, v) XCAT(vstore, VEC)((v), 0, (p) + (i))
#endif
#if VEC == 16
#define HREDUCE(f, a) f(f(f((a).s0123, (a).s4567), f((a).s89ab, (a).scdef)).lo, f(f((a).s0123, (a).s4567), f((a).s89ab, (a).scdef)).hi)
#elif VEC == 8
#define HREDUCE(f, a) f(f((a).lo, (a).hi).lo, f((a).lo, (a).hi).hi)
#else
#define HREDUCE(f, a) f((a).lo, (a).hi)
#endif
#define ADD(a, b) ((a) + (b))
float last2(float2 v, const int is_max) { return is_max ? fmax(v.x, v.y) : v.x + v.y; }

__kernel void softmax_rows(const int cols, __global const a_t* X, __global a_t* Y) {
  const size_t base = (size_t)get_global_id(0) * cols;
  accv_t top = (accv_t)(-INFINITY);
  for (int c = 0; c < cols; c += VEC) top = fmax(top, LOAD_V(X, base + c));
  const float m = last2(HREDUCE(fmax, top), 1);
  accv_t sum = (accv_t)(0.0f);
  for (int c = 0; c < cols; c += VEC) sum += exp(LOAD_V(X, base + c) - m);
  const float inv = 1.0f / last2(HREDUCE(ADD, sum), 0);
  for (int c = 0; c < cols; c += VEC) STORE_V(Y, base + c, exp(LOAD_V(X, base + c) - m) * inv);
}

__kernel void rmsnorm_rows(const int cols, const float eps, __global const a_t* X, __global const a_t* G, __global a_t* Y) {
  const size_t base = (size_t)get_global_id(0) * cols;
  accv_t squares = (accv_t)(0.0f);
  for (int c = 0; c < cols; c += VEC) {
    const accv_t x = LOAD_V(X, base + c);
    squares = fma(x, x, squares);
  }
  const float scale = rsqrt(last2(HREDUCE(ADD, squares), 0) / cols + eps);
  for (int c = 0; c < cols; c += VEC) STORE_V(Y, base + c, LOAD_V(X, base + c) * scale * LOAD_V(G, c));
}

__kernel void layernorm_rows(const int cols, const float eps, __global const a_t* X, __global const a_t* G, __global const a_t* B,
                             __global a_t* Y) {
  const size_t base = (size_t)get_global_id(0) * cols;
  accv_t sum = (accv_t)(0.0f);
  for (int c = 0; c < cols; c += VEC) sum += LOAD_V(X, base + c);
  const float mean = last2(HREDUCE(ADD, sum), 0) / cols;
  accv_t squares = (accv_t)(0.0f);
  for (int c = 0; c < cols; c += VEC) {
    const accv_t d = LOAD_V(X, base + c) - mean;
    squares = fma(d, d, squares);
  }
  const float scale = rsqrt(last2(HREDUCE(ADD, squares), 0) / cols + eps);
  for (int c = 0; c < cols; c += VEC) STORE_V(Y, base + c, (LOAD_V(X, base + c) - mean) * scale * LOAD_V(G, c) + LOAD_V(B, c));
}
#endif
