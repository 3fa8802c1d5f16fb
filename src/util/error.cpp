#include <stemviz/util/error.hpp>

namespace stemviz {

std::atomic<bool>& cancel_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

void throw_if_cancelled() {
  if (cancel_requested().load(std::memory_order_relaxed)) throw Interrupted();
}

}  // namespace stemviz
