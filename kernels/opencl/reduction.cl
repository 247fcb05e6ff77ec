// Two-stage reduction: `reduce` turns n elements into one partial per work-group (each work-item
// strides over the input, then a tree in local memory); run again on the partials with
// -DPARTIALS (acc_t input) to finish. Build defines: the type (types.cl; int8 reads char),
// WG (work-group size, a power of two), OP_MAX for max (else sum), CHUNKED on CPU devices, and
// LANES (16 by default; 4 or 1 for the bandwidth benchmark's narrower rows) for fp32 on CPU devices,
// SUBGROUP where the device has sub-groups.
#ifdef PARTIALS
typedef acc_t in_t;
#define LOAD_IN(p, i) ((p)[i])
#elif defined(XPU_INT8)
typedef char in_t;
#define LOAD_IN(p, i) ((int)(p)[i])
#else
typedef a_t in_t;
#define LOAD_IN(p, i) ((acc_t)LOAD_A(p, i))
#endif

#ifdef OP_MAX
#define COMBINE(x, y) max((x), (y))
#if defined(XPU_INT8)
#define IDENTITY INT_MIN
#else
#define IDENTITY (-INFINITY)
#endif
#define SUBGROUP_COMBINE sub_group_reduce_max
#else
#define COMBINE(x, y) ((x) + (y))
#define IDENTITY 0
#define SUBGROUP_COMBINE sub_group_reduce_add
#endif

// -DSUBGROUP (devices with cl_khr_subgroups, or sub-groups in OpenCL C 2.x/3.0): the work-group's
// last stage through sub-group reductions instead of a tree in local memory.
#if defined(SUBGROUP) && defined(cl_khr_subgroups)
#pragma OPENCL EXTENSION cl_khr_subgroups : enable
#endif

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void reduce(const int n, __global const in_t* x, __global acc_t* partials) {
  __local acc_t scratch[WG];
  const int lid = get_local_id(0);
  acc_t acc = IDENTITY;
#ifdef CHUNKED
  // CPU devices: each work-item streams one contiguous chunk (the grid-stride order below suits
  // GPUs' coalescing but makes every CPU work-item jump across the whole array).
  const int chunk = ((n + get_global_size(0) - 1) / get_global_size(0) + 15) / 16 * 16;
  const int first = get_global_id(0) * chunk, last = min(n, first + chunk);
  int i = first;
#ifndef LANES
#define LANES 16
#endif
#if !defined(PARTIALS) && defined(XPU_FP32) && LANES == 16
  // fp32 input: sixteen independent lanes, so the loop is bound by loads, not by one add chain.
  float16 lanes = (float16)(IDENTITY);
  for (; i + 16 <= last; i += 16) lanes = COMBINE(lanes, vload16(0, x + i));
  acc = COMBINE(acc, COMBINE(COMBINE(COMBINE(lanes.s0, lanes.s1), COMBINE(lanes.s2, lanes.s3)),
                             COMBINE(COMBINE(lanes.s4, lanes.s5), COMBINE(lanes.s6, lanes.s7))));
  acc = COMBINE(acc, COMBINE(COMBINE(COMBINE(lanes.s8, lanes.s9), COMBINE(lanes.sa, lanes.sb)),
                             COMBINE(COMBINE(lanes.sc, lanes.sd), COMBINE(lanes.se, lanes.sf))));
#elif !defined(PARTIALS) && defined(XPU_FP32) && LANES == 4
  float4 lanes = (float4)(IDENTITY);
  for (; i + 4 <= last; i += 4) lanes = COMBINE(lanes, vload4(0, x + i));
  acc = COMBINE(acc, COMBINE(COMBINE(lanes.s0, lanes.s1), COMBINE(lanes.s2, lanes.s3)));
#endif
  for (; i < last; ++i) acc = COMBINE(acc, LOAD_IN(x, i));
#else
  for (int i = get_global_id(0); i < n; i += get_global_size(0)) acc = COMBINE(acc, LOAD_IN(x, i));
#endif
#ifdef SUBGROUP
  // Sub-group operations: each sub-group combines its work-items' values in registers, its first
  // work-item stores one value, and one work-item combines the sub-groups' values.
  acc = SUBGROUP_COMBINE(acc);
  if (get_sub_group_local_id() == 0) scratch[get_sub_group_id()] = acc;
  barrier(CLK_LOCAL_MEM_FENCE);
  if (lid == 0) {
    for (uint s = 1; s < get_num_sub_groups(); ++s) acc = COMBINE(acc, scratch[s]);
    partials[get_group_id(0)] = acc;
  }
#else
  scratch[lid] = acc;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int half_size = WG / 2; half_size > 0; half_size /= 2) {
    if (lid < half_size) scratch[lid] = COMBINE(scratch[lid], scratch[lid + half_size]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) partials[get_group_id(0)] = scratch[0];
#endif
}
