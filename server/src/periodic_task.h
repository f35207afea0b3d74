// Runs a pass now and then every `every` on its own thread until stop() (background jobs:
// digests, meeting reminders). A pass that throws is logged and the next one runs on time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "log.h"
#include "storage/db_error.h"

namespace passerelle::server {

class PeriodicTask {
 public:
  PeriodicTask(std::string name, std::chrono::seconds every, std::function<void()> pass)
      : name_(std::move(name)), every_(every), pass_(std::move(pass)) {}
  ~PeriodicTask() { stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start() {
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!stopping_) {
        lock.unlock();
        try {
          pass_();
        } catch (const std::exception& e) {
          log::error(name_ + "_pass_failed", storage::failure_fields(e));
        }
        lock.lock();
        cv_.wait_for(lock, every_, [this] { return stopping_; });
      }
    });
  }

  // Waits for a running pass to finish. Idempotent.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::string name_;
  std::chrono::seconds every_;
  std::function<void()> pass_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace passerelle::server
