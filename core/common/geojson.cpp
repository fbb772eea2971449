#include "common/geojson.h"

#include <cmath>

#include "common/atomic_file.h"

namespace stamp::core {

std::vector<std::array<double, 2>> circleRing(double cx, double cy, double radius, int segments) {
  std::vector<std::array<double, 2>> ring;
  for (int i = 0; i < segments; ++i) {
    const double a = 2 * M_PI * i / segments;
    ring.push_back({cx + radius * std::cos(a), cy + radius * std::sin(a)});
  }
  return ring;
}

std::vector<std::array<double, 2>> squareRing(double x0, double y0, double side) {
  return {{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}};
}

nlohmann::json toGeoJson(const std::vector<GeoFeature>& features) {
  nlohmann::json fc = {{"type", "FeatureCollection"}, {"features", nlohmann::json::array()}};
  for (const auto& f : features) {
    nlohmann::json geom;
    if (f.ring.size() == 1) {
      geom = {{"type", "Point"}, {"coordinates", {f.ring[0][0], f.ring[0][1]}}};
    } else {
      nlohmann::json ring = nlohmann::json::array();
      for (const auto& p : f.ring) ring.push_back({p[0], p[1]});
      if (!f.ring.empty()) ring.push_back({f.ring[0][0], f.ring[0][1]});  // GeoJSON rings are closed
      geom = {{"type", "Polygon"}, {"coordinates", {ring}}};
    }
    // QuPath reads colorRGB as a packed signed int (alpha in the top byte).
    const std::int32_t rgb = std::int32_t(0xFF000000u | unsigned(f.colour[0]) << 16 | unsigned(f.colour[1]) << 8 | unsigned(f.colour[2]));
    nlohmann::json props = {{"objectType", "annotation"},
                            {"classification", {{"name", f.classification}, {"colorRGB", rgb}}},
                            {"measurements", f.measurements}};
    if (!f.name.empty()) props["name"] = f.name;
    fc["features"].push_back({{"type", "Feature"}, {"geometry", geom}, {"properties", props}});
  }
  return fc;
}

Status writeGeoJson(const std::string& path, const std::vector<GeoFeature>& features) {
  return writeFileAtomic(path, toGeoJson(features).dump(1));
}

}  // namespace stamp::core
