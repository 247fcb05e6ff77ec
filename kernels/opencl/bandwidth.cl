// Memory bandwidth: copy y = x and triad y = x + 3 z over float arrays, VEC floats per work-item
// (VEC = 1, 4 or 16: the build define picks vloadVEC/vstoreVEC). The read test reuses reduction.cl.
#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)
#if VEC == 1
#define LOADV(i, p) ((p)[i])
#define STOREV(v, i, p) ((p)[i] = (v))
typedef float floatv;
#else
#define LOADV(i, p) XCAT(vload, VEC)((i), (p))
#define STOREV(v, i, p) XCAT(vstore, VEC)((v), (i), (p))
typedef XCAT(float, VEC) floatv;
#endif

__kernel void copy(__global const float* x, __global float* y) {
  const int i = get_global_id(0);
  STOREV(LOADV(i, x), i, y);
}

__kernel void triad(__global const float* x, __global const float* z, __global float* y) {
  const int i = get_global_id(0);
  STOREV(LOADV(i, x) + 3.0f * LOADV(i, z), i, y);
}

// The launch-latency probe: a kernel that does nothing.
__kernel void empty(void) {}
