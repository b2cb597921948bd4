// Model::kernel_info() — read from the packed model's own metadata (the facts a .encore file
// records), so /info names exactly the kernels the forward pass runs.
#include <set>

#include "engine/api/model_impl.h"
#include "kernels/highway_target.h"

namespace encore {

KernelInfo Model::kernel_info() const {
  const std::map<std::string, std::string> metadata = engine::packed_metadata(*impl_->packed);
  KernelInfo info;
  info.isa = metadata.at("isa");
  info.precision = metadata.at("precision");
  std::set<std::string> kernels;
  constexpr std::string_view kSuffix = ".kernel";
  for (const auto& [key, value] : metadata) {
    if (key.size() > kSuffix.size() && key.ends_with(kSuffix)) kernels.insert(value);
  }
  for (const std::string& kernel : kernels) {
    if (!info.linear_kernels.empty()) info.linear_kernels += '+';
    info.linear_kernels += kernel;
  }
  info.highway_target = std::string(kernels::highway_target());
  return info;
}

}  // namespace encore
