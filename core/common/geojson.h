#pragma once
/// GeoJSON FeatureCollections in QuPath's import format (level-0 pixel coordinates,
/// properties.classification), for selections, clusters and localization hits.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace stamp::core {

struct GeoFeature {
  std::vector<std::array<double, 2>> ring;  // polygon outline (closed automatically); one point = a Point
  std::string classification;               // QuPath class name
  std::array<int, 3> colour{255, 0, 0};
  nlohmann::json measurements = nlohmann::json::object();  // numbers shown in QuPath
  std::string name;
};

/// A circle approximated by a polygon (spots as QuPath annotations).
std::vector<std::array<double, 2>> circleRing(double cx, double cy, double radius, int segments = 24);
/// A square [x0, x0 + side] x [y0, y0 + side].
std::vector<std::array<double, 2>> squareRing(double x0, double y0, double side);

nlohmann::json toGeoJson(const std::vector<GeoFeature>& features);
/// Writes the FeatureCollection atomically.
Status writeGeoJson(const std::string& path, const std::vector<GeoFeature>& features);

}  // namespace stamp::core
