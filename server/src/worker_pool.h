// A small fixed pool of threads for blocking or CPU-heavy work (scrypt, database reads,
// writing mail) so that the I/O threads only ever do I/O.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace passerelle::server {

class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();  // join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a pool thread. Exceptions escaping a task are logged and swallowed.
  // After join() began, tasks are still run (they may be the tail of in-flight requests).
  void post(std::function<void()> task);
  // Waits for every queued task to finish, then stops the threads. Idempotent.
  void join();

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace passerelle::server
