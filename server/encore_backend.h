// EncoreBackend — the model routes on the public C++ API (include/encore/encore.h): one Model,
// one Session per concurrently running worker, results serialized by engine/api/task_json.h so
// the server answers exactly as `encore predict` prints.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "encore/encore.h"
#include "server/model_backend.h"

namespace encore::server {

class EncoreBackend : public ModelBackend {
 public:
  // `task` unset: the checkpoint's default task. `max_batch_tokens`: the dynamic-batching budget
  // (0 = off), the largest forward pass load() warms up.
  EncoreBackend(std::string model_path, ModelOptions options, std::optional<Task> task,
                size_t max_batch_tokens = 0);
  ~EncoreBackend() override;

  // Loads the model and warms one Session up at the largest size it will run; ready() turns true
  // when it returns. Blocking:
  // `encore serve` calls it on a thread of its own while the server already answers 503.
  // Throws encore::Error (bad folder, task the checkpoint cannot run).
  void load();

  bool ready() const override { return ready_.load(std::memory_order_acquire); }
  Task task() const override { return task_; }
  void describe(JsonWriter& info) const override;

  void predict(std::span<const PredictRequest* const> requests,
               std::span<ModelAnswer> answers) override;
  void embed(std::span<const EmbedRequest* const> requests,
             std::span<ModelAnswer> answers) override;
  ModelAnswer rerank(const RerankRequest& request) override;
  ModelAnswer tokenize(const TokenizeRequest& request) override;
  std::optional<size_t> count_tokens(const Input& input, bool truncate) const override;

 private:
  class SessionLease;
  void warm_up(Session& session);
  void predict_on(Session& session, std::span<const PredictRequest* const> requests,
                  std::span<ModelAnswer> answers);
  std::unique_ptr<Session> take_session();
  void return_session(std::unique_ptr<Session> session);

  std::string model_path_;
  ModelOptions options_;
  std::optional<Task> requested_task_;
  size_t max_batch_tokens_ = 0;
  std::shared_ptr<const Model> model_;  // written once by load(), before ready_ is set
  Task task_ = Task::kClassify;
  KernelInfo kernels_;
  std::atomic<bool> ready_{false};
  std::mutex sessions_mutex_;
  std::vector<std::unique_ptr<Session>> idle_sessions_;
};

}  // namespace encore::server
