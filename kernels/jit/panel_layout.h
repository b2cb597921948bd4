// Packed-weight panel geometry shared by the packers, the planner and the emitter.
// Weights are packed in panels of 64 output channels (4 zmm registers of 16 lanes); each panel is
// self-contained (header, then weights), so a thread given a range of panels streams only its own
// slice of the weights.
#pragma once

#include <cstddef>

namespace encore::jit {

inline constexpr size_t kLanesPerZmm = 16;  // fp32 / int32 lanes in one zmm register
inline constexpr size_t kZmmPerPanel = 4;
inline constexpr size_t kPanelLanes = kLanesPerZmm * kZmmPerPanel;  // 64 output channels
inline constexpr size_t kInt8KGroup = 4;  // vpdpbusd sums 4 consecutive k per lane
inline constexpr size_t kBf16KGroup = 2;  // vdpbf16ps sums 2 consecutive k per lane
// Every precision consumes 256 panel bytes per K step (64 lanes x 4 bytes), and 4 bytes of an A
// row.
inline constexpr size_t kPanelStepBytes = kPanelLanes * 4;
inline constexpr size_t kAStepBytes = 4;

constexpr size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}
constexpr size_t panel_count_for(size_t n) {
  return round_up(n, kPanelLanes) / kPanelLanes;
}

// int8 (qc8w) panel: [colsum i32 x64][scale f32 x64][bias f32 x64] then K/4 groups, each
// 64 lanes x 4 consecutive k as s8 (the vpdpbusd operand order). K is zero-padded to a multiple
// of 4.
struct Int8PanelLayout {
  static constexpr size_t colsum_offset = 0;
  static constexpr size_t scale_offset = kPanelLanes * 4;
  static constexpr size_t bias_offset = 2 * kPanelLanes * 4;
  static constexpr size_t weights_offset = 3 * kPanelLanes * 4;
  static constexpr size_t group_bytes = kPanelLanes * kInt8KGroup;  // 256 bytes per K group

  static constexpr size_t k_groups(size_t k) { return round_up(k, kInt8KGroup) / kInt8KGroup; }
  static constexpr size_t panel_bytes(size_t k) {
    return weights_offset + k_groups(k) * group_bytes;
  }
};

// fp32 panel: [bias f32 x64] then K rows of 64 lanes.
struct F32PanelLayout {
  static constexpr size_t bias_offset = 0;
  static constexpr size_t weights_offset = kPanelLanes * 4;
  static constexpr size_t row_bytes = kPanelLanes * 4;  // 256 bytes per k

  static constexpr size_t panel_bytes(size_t k) { return weights_offset + k * row_bytes; }
};

// bf16 panel: [bias f32 x64] then K/2 groups, each 64 lanes x 2 consecutive k as bf16 (the
// vdpbf16ps pair order). K is zero-padded to a multiple of 2.
struct Bf16PanelLayout {
  static constexpr size_t bias_offset = 0;
  static constexpr size_t weights_offset = kPanelLanes * 4;
  static constexpr size_t group_bytes = kPanelLanes * kBf16KGroup * 2;  // 256 bytes per K pair

  static constexpr size_t k_groups(size_t k) { return round_up(k, kBf16KGroup) / kBf16KGroup; }
  static constexpr size_t panel_bytes(size_t k) {
    return weights_offset + k_groups(k) * group_bytes;
  }
};

}  // namespace encore::jit
