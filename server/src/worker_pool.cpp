#include "worker_pool.h"

#include <exception>

#include "log.h"
#include "storage/db_error.h"

namespace passerelle::server {

WorkerPool::WorkerPool(unsigned threads) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { join(); }

void WorkerPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (threads_.empty()) {
      // Already joined: run inline rather than lose the work.
    } else {
      tasks_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  task();
}

void WorkerPool::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
  // Tasks posted by the last tasks themselves (threads_ empty) ran inline.
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    try {
      task();
    } catch (const storage::Unavailable&) {
      // The database is down: db_unreachable said so once; the request is answered `internal`
      // with a retry hint. A line per request would flood the log for the whole outage.
    } catch (const std::exception& e) {
      log::error("worker_task_failed", storage::failure_fields(e));
    } catch (...) {
      log::error("worker_task_failed", {{"what", "unknown exception"}});
    }
  }
}

}  // namespace passerelle::server
