// SiLU: y = x / (1 + exp(-x)), one element per work-item step of a grid-stride loop. Storage type
// from types.cl (a_t, LOAD_A); the output is written in the input's type. Build defines: the type.
#if defined(XPU_FP16)
#define STORE_Y(p, i, v) vstore_half((v), (i), (p))
#else
#define STORE_Y(p, i, v) ((p)[i] = (v))
#endif

__kernel void silu(const int n, __global const a_t* X, __global a_t* Y) {
  for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
    const float v = LOAD_A(X, i);
    STORE_Y(Y, i, v / (1.0f + exp(-v)));
  }
}
