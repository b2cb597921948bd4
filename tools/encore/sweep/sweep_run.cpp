#include "tools/encore/sweep/sweep_run.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "encore/encore.h"
#include "support/error.h"
#include "tools/encore/sweep/encore_runners.h"
#include "tools/encore/sweep/progress_bar.h"
#include "tools/encore/sweep/results_csv.h"

namespace encore::cli::sweep {
namespace {

// One system at one cores value: the configurations it still has to measure.
struct Group {
  const Peer* peer = nullptr;  // null for encore
  System system;
  int cores = 1;
  std::vector<Point> points;
};

std::vector<Group> pending_groups(const SweepSettings& settings) {
  const auto done = finished_keys(read_results(settings.results_csv));
  std::vector<Group> groups;
  for (int cores : settings.grid.cores) {
    auto add = [&](const Peer* peer, const System& system) {
      Group group{peer, system, cores, {}};
      for (const auto& point : points_for(settings.grid, cores)) {
        if (!done.count(row_key(system, point))) group.points.push_back(point);
      }
      if (!group.points.empty()) groups.push_back(group);
    };
    for (const auto& system : settings.encore_systems) add(nullptr, system);
    for (const auto& peer : settings.peers) {
      if (peer.available) add(&peer, peer.system);
    }
  }
  return groups;
}

double group_seconds(const Group& group, const TimeEstimate& estimate, size_t from = 0) {
  double seconds = from == 0 ? TimeEstimate::startup_seconds(group.system) : 0;
  for (size_t i = from; i < group.points.size(); ++i) {
    seconds += estimate.config_seconds(group.system, group.points[i]);
  }
  return seconds;
}

std::string describe(const System& system, const Point& point) {
  return system.label() + " " + std::to_string(point.cores) + "c s" + std::to_string(point.seq) +
         " b" + std::to_string(point.batch);
}

}  // namespace

std::vector<SystemStatus> sweep_systems(const SweepSettings& settings) {
  std::vector<SystemStatus> statuses;
  for (const auto& system : settings.encore_systems) statuses.push_back({system, ""});
  for (const auto& peer : settings.peers) statuses.push_back({peer.system, peer.missing_reason});
  return statuses;
}

TimeEstimate calibrate(const SweepSettings& settings) {
  EncoreModelRunner runner(settings.model_dir, settings.encore_systems.front().precision, 1,
                           *settings.texts);
  const Budget quick{.budget_ms = 0, .min_iters = 2, .max_iters = 2, .warmup = 1};
  const int long_seq = std::min<int>(128, static_cast<int>(runner.model().max_length()));
  const double short_ms = summarize(runner.run({1, 8, 1}, quick)).mean_ms;
  const double long_ms = summarize(runner.run({1, long_seq, 1}, quick)).mean_ms;
  // Solve t = fixed + per_token · tokens · (1 + seq/512) through the two points.
  const auto work = [](double seq) { return seq * (1.0 + seq / 512.0); };
  const double per_token = std::max((long_ms - short_ms) / (work(long_seq) - work(8)), 1e-6);
  const double fixed = std::max(short_ms - per_token * work(8), 0.0);
  return TimeEstimate(fixed, per_token, settings.grid.budget);
}

double estimate_seconds(const SweepSettings& settings, const TimeEstimate& estimate,
                        int& pending_count, int& total_count) {
  double seconds = 0;
  pending_count = 0;
  for (const auto& group : pending_groups(settings)) {
    seconds += group_seconds(group, estimate);
    pending_count += static_cast<int>(group.points.size());
  }
  const size_t systems = settings.encore_systems.size() +
                         std::count_if(settings.peers.begin(), settings.peers.end(),
                                       [](const Peer& peer) { return peer.available; });
  total_count = static_cast<int>(systems * settings.grid.cores.size() * settings.grid.seqs.size() *
                                 settings.grid.batches.size());
  return seconds;
}

void run_sweep(const SweepSettings& settings, TimeEstimate& estimate,
               std::vector<SystemStatus>& statuses) {
  const std::vector<Group> groups = pending_groups(settings);
  int total = 0;
  for (const auto& group : groups) total += static_cast<int>(group.points.size());
  ProgressBar progress(total);
  int done = 0;
  // Time left: the rest of the current group plus every later group, from the current estimate.
  auto seconds_left = [&](size_t group_index, size_t point_index) {
    double seconds = group_seconds(groups[group_index], estimate, point_index);
    for (size_t g = group_index + 1; g < groups.size(); ++g) {
      seconds += group_seconds(groups[g], estimate);
    }
    return seconds;
  };

  for (size_t g = 0; g < groups.size(); ++g) {
    const Group& group = groups[g];
    size_t next = 0;
    auto record = [&](const Point& point, std::vector<double> ms) {
      const ResultRow row{group.system, point, summarize(std::move(ms))};
      append_result(settings.results_csv, row);
      estimate.observe(group.system, point, row.stats.mean_ms);
      ++done;
      ++next;
      if (next < group.points.size()) {
        progress.update(done, describe(group.system, group.points[next]), seconds_left(g, next));
      }
    };
    progress.update(done, describe(group.system, group.points[0]), seconds_left(g, 0));
    try {
      if (group.peer) {
        run_peer(*group.peer, group.cores, group.points, settings.grid.budget, record);
      } else if (group.system.mode == Mode::kModel) {
        EncoreModelRunner runner(settings.model_dir, group.system.precision, group.cores,
                                 *settings.texts);
        for (const auto& point : group.points)
          record(point, runner.run(point, settings.grid.budget));
      } else {
        EncoreHttpRunner runner(settings.encore_bin, settings.model_dir, group.system.precision,
                                group.cores, *settings.texts);
        for (const auto& point : group.points)
          record(point, runner.run(point, settings.grid.budget));
      }
    } catch (const Error& e) {
      progress.finish();
      std::fprintf(stderr, "sweep: %s on %d core(s) failed: %s\n", group.system.label().c_str(),
                   group.cores, e.what());
      for (auto& status : statuses) {
        if (status.system.label() == group.system.label()) {
          status.problem += (status.problem.empty() ? "" : "; ") + std::to_string(group.cores) +
                            " core(s): " + e.what();
        }
      }
      done += static_cast<int>(group.points.size() - next);
    }
  }
  if (total > 0) progress.update(done, "done", 0);
  progress.finish();
}

}  // namespace encore::cli::sweep
