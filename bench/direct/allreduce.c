/* The minimal direct MPI_Allreduce program that bench/collectives.sh measures xpubench's all-reduce
 * against: fp32 sums of BYTES bytes, a warm-up, then REPS timed loops of ITERS operations each, the
 * slowest rank's time per operation, median of the loops; prints the bus bandwidth (nccl-tests:
 * bytes / time x 2(n-1)/n) in GB/s. usage: mpirun -np N allreduce BYTES ITERS REPS */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int by_value(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, n = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  const long bytes = argc > 1 ? atol(argv[1]) : 64l << 20;
  const int iters = argc > 2 ? atoi(argv[2]) : 10, reps = argc > 3 ? atoi(argv[3]) : 5;
  const int count = (int)(bytes / 4);
  float* in = malloc((size_t)count * 4);
  float* out = malloc((size_t)count * 4);
  for (int i = 0; i < count; ++i) in[i] = (float)((i + rank) % 7 - 3);
  double* t = malloc(sizeof(double) * (size_t)reps);
  MPI_Allreduce(in, out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    for (int i = 0; i < iters; ++i) MPI_Allreduce(in, out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double mine = MPI_Wtime() - start;
    MPI_Allreduce(&mine, &t[r], 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    t[r] /= iters;
  }
  qsort(t, (size_t)reps, sizeof(double), by_value);
  const double median = t[reps / 2];
  if (rank == 0) printf("%.6f\n", (double)bytes / median * 2.0 * (n - 1) / n / 1e9);
  free(in);
  free(out);
  free(t);
  MPI_Finalize();
  return 0;
}
