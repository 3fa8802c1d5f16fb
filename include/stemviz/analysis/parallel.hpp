// The analysis's one way of running work in parallel: an OpenMP loop over stems (or any
// count of independent items) that carries the first exception out of the parallel region.
#pragma once

#include <functional>

namespace stemviz {

// The threads `threads` asks for: itself when above 0, else all cores.
int analysis_threads(int threads);

// Runs body(0) .. body(count - 1) on up to analysis_threads(threads) OpenMP threads, each
// index on whichever thread is free. An exception must not leave an OpenMP region (it
// would end the process in std::terminate, past main's handler and the temporary files'
// cleanup): the first one thrown is kept, the indices not yet started are skipped, and it is
// rethrown here once every thread has stopped.
void for_each_in_parallel(int count, int threads, const std::function<void(int)>& body);

}  // namespace stemviz
