// The routes of product.md's HTTP API.
#pragma once

namespace encore::server {

enum class Route { kHealth, kInfo, kMetrics, kPredict, kEmbed, kRerank, kTokenize };

}  // namespace encore::server
