#pragma once
// Fleet runs: `mpirun -np N --hostfile H xpubench run ...` (or Slurm's srun, through PMIx) runs one
// xpubench per rank. The ranks on one node take turns (each measures a share of the node's devices,
// never two at once), and rank 0 gathers every rank's run into its file (run::fleet). Every rank
// reports, whatever became of it (a rank that failed says why); a rank that sends nothing by the
// deadline, or before the job is stopped, is listed as missing. Built with MPI only where it is
// found (XPUBENCH_WITH_MPI); without it, or without a launcher, xpubench runs alone as ever.
#include <atomic>
#include <optional>
#include <string>

#include "results/run.hpp"

namespace xpu {

struct fleet_member {
  int rank = 0, size = 1;              // in the job
  int local_rank = 0, local_size = 1;  // among the ranks on this node
  int most_local = 1;                  // the most ranks any node has (its turns take longest)
  int turns_done = 0;                  // of the node's local_size turns
  std::string unbound;                 // the CPUs the launcher had bound this rank to, when it was unbound
  bool reported = false;               // its report went to rank 0 (rank 0: the others' were collected)
  int missing = 0;                     // rank 0: ranks that sent nothing
};

// Whether an MPI launcher started this process (its environment says so) and MPI is built in.
bool fleet_launched();
bool fleet_built();
// This machine's host name, as a fleet's rows name it.
std::string fleet_host_name();
// "Open MPI v4.1.4" (the library xpubench runs with), or why there is none.
std::string fleet_mpi_version();
// Joins the job (MPI_Init) and frees this rank from the launcher's CPU binding (a rank measures
// its whole node); none when joining fails (the reason is printed).
std::optional<fleet_member> fleet_join();
// Waits, without spinning a core, until this rank's turn on its node; false when `stop` was set.
bool fleet_wait_turn(fleet_member& f, const std::atomic<bool>& stop);
// After this rank's turn and report (or instead of them): waits for the node's other turns to end.
bool fleet_finish_turns(fleet_member& f, const std::atomic<bool>& stop);

// Rank > 0: starts sending what became of this rank to rank 0 (`measured` may be null) and returns:
// the node's later turns go on meanwhile; fleet_leave waits for the send.
void fleet_send(const fleet_member& f, const std::string& state, const std::string& reason, int exit_code, const run* measured);
// Rank 0, after its turn: gathers the other ranks' reports into r.fleet, by rank, until every rank
// has reported, `timeout_s` has passed or `stop` is set (taking part in its node's later turns
// meanwhile); returns the count of ranks missing.
int fleet_collect(fleet_member& f, run& r, const std::string& state, const std::string& reason, int exit_code, double timeout_s,
                  const std::atomic<bool>& stop);
// Rank 0's yes or no, known to every rank (a collective: every rank calls it).
bool fleet_agree(int rank0_says);
// MPI_Finalize; rank 0 with ranks missing: MPI_Abort (they may be stuck: the launcher ends them).
void fleet_leave(const fleet_member& f, bool abort, int code);

}  // namespace xpu
