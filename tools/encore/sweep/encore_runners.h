// encore measured two ways on the first `cores` CPUs: in-process through the public API
// (Session::forward on token ids: the model alone, as the peers are measured) and end to end
// through `encore serve` (POST /predict with texts: tokenize, model, post-process, JSON, HTTP).
#pragma once

#include <sched.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "encore/encore.h"
#include "tools/encore/sweep/child_process.h"
#include "tools/encore/sweep/http_client.h"
#include "tools/encore/sweep/latency_stats.h"
#include "tools/encore/sweep/sized_texts.h"
#include "tools/encore/sweep/sweep_plan.h"

namespace encore::cli::sweep {

class EncoreModelRunner {
 public:
  // Pins the calling thread to the first `cores` CPUs (the Session's workers inherit them) until
  // destruction, then loads the model.
  EncoreModelRunner(const std::string& model_dir, const std::string& precision, int cores,
                    const SizedTexts& texts);
  ~EncoreModelRunner();
  EncoreModelRunner(const EncoreModelRunner&) = delete;
  EncoreModelRunner& operator=(const EncoreModelRunner&) = delete;

  std::vector<double> run(const Point& point, const Budget& budget);
  const Model& model() const { return *model_; }

 private:
  cpu_set_t previous_affinity_;
  const SizedTexts& texts_;
  std::shared_ptr<const Model> model_;
  std::optional<Session> session_;
};

class EncoreHttpRunner {
 public:
  // Starts `encore_bin serve` on a free loopback port, pinned to the first `cores` CPUs, and
  // waits until /health answers 200.
  EncoreHttpRunner(const std::string& encore_bin, const std::string& model_dir,
                   const std::string& precision, int cores, const SizedTexts& texts);

  std::vector<double> run(const Point& point, const Budget& budget);

 private:
  const SizedTexts& texts_;
  ChildProcess server_;
  std::optional<HttpClient> client_;
};

// The JSON body of POST /predict for these texts: a string for one, a list for several.
std::string predict_body(const std::vector<std::string>& texts);

}  // namespace encore::cli::sweep
