// Waiting, bounded, for something another thread or process makes true (a sync, a retention
// pass, a mail written): checks every `poll`, gives up after `limit`, and checks once more then.
#pragma once

#include <chrono>
#include <thread>

namespace passerelle::test {

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(20),
                std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(poll);
  }
  return done();
}

}  // namespace passerelle::test
