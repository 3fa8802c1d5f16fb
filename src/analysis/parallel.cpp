#include <stemviz/analysis/parallel.hpp>

#include <omp.h>

#include <atomic>
#include <exception>

namespace stemviz {

int analysis_threads(int threads) { return threads > 0 ? threads : omp_get_num_procs(); }

void for_each_in_parallel(int count, int threads, const std::function<void(int)>& body) {
  std::exception_ptr error;
  std::atomic<bool> failed{false};
#pragma omp parallel for num_threads(analysis_threads(threads)) schedule(dynamic, 1)
  for (int i = 0; i < count; ++i) {
    if (failed.load(std::memory_order_relaxed)) continue;
    try {
      body(i);
    } catch (...) {
#pragma omp critical(stemviz_parallel_error)
      if (!error) error = std::current_exception();
      failed = true;
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace stemviz
