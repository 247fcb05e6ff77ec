// Quantized GEMM (ops/qgemm/): Y[M x N] = X . W^T with W (N rows of K / 32 blocks) in GGUF's Q8_0
// (-DQ8) or Q4_0 (-DQ4) blocks, read as bytes with their fp16 scales through vload_half (every block
// starts at an even offset); X fp32 (-DX_FP32) or Q8_0 blocks (-DX_Q8: an int32 dot product per
// block, then both scales). One output per work-item (global size N x M). W and Y may hold several
// copies (ops/qgemm: streamed weights): `copy` selects the weights and the output of this launch.
// moe: W holds the experts, each pair of a token and its choice reads the expert its id names.
#if defined(Q4)
#define WBLOCK 18
#define WLOW(w, t) (((int)(w)[2 + (t)] & 15) - 8)
#define WHIGH(w, t) (((int)(w)[2 + (t)] >> 4) - 8)
#else
#define WBLOCK 34
#define WLOW(w, t) ((int)(char)(w)[2 + (t)])
#define WHIGH(w, t) ((int)(char)(w)[18 + (t)])
#endif
#define SCALE(p) vload_half(0, (__global const half*)(p))

#if defined(X_Q8)
typedef uchar x_t;
#else
typedef float x_t;
#endif

// Output (i, j) of weights `copy`: X row i . W row j of that copy.
float row_dot(const int K, __global const x_t* X, const int i, __global const uchar* w) {
  const int blocks = K / 32;
  float acc = 0.0f;
  for (int b = 0; b < blocks; ++b, w += WBLOCK) {
    const float dw = SCALE(w);
#if defined(X_Q8)
    __global const uchar* x = X + ((size_t)i * blocks + b) * 34;
    int s = 0;
    for (int t = 0; t < 16; ++t) s += (int)(char)x[2 + t] * WLOW(w, t) + (int)(char)x[18 + t] * WHIGH(w, t);
    acc = fma(SCALE(x) * dw, (float)s, acc);
#else
    __global const float* x = X + (size_t)i * K + b * 32;
    float s = 0.0f;
    for (int t = 0; t < 16; ++t) s = fma(x[t], (float)WLOW(w, t), fma(x[16 + t], (float)WHIGH(w, t), s));
    acc = fma(dw, s, acc);
#endif
  }
  return acc;
}

__kernel void qgemm(const int M, const int N, const int K, __global const x_t* X, __global const uchar* W, __global float* Y, const int copy) {
  const int j = get_global_id(0), i = get_global_id(1);
  if (j >= N || i >= M) return;
  const size_t row = (size_t)K / 32 * WBLOCK;
  Y[((size_t)copy * M + i) * N + j] = row_dot(K, X, i, W + ((size_t)copy * N + j) * row);
}

// moe (ops/moe/): one output per work-item over (column j, pair p); pair p is token p / USED times
// expert ids[p] (read on the device) of layer `copy` (its EXPERTS matrices), into that layer's output row p.
__kernel void moe(const int PAIRS, const int N, const int K, __global const x_t* X, __global const uchar* W, __global const int* ids,
                  __global float* Y, const int USED, const int EXPERTS, const int copy) {
  const int j = get_global_id(0), p = get_global_id(1);
  if (j >= N || p >= PAIRS) return;
  const size_t row = (size_t)K / 32 * WBLOCK, expert = (size_t)copy * EXPERTS + ids[p];
  Y[((size_t)copy * PAIRS + p) * N + j] = row_dot(K, X, p / USED, W + (expert * N + j) * row);
}
