#pragma once
/// Scale bar and magnification maths for the slide view, and drawing the bar with QPainter.
#include <optional>
#include <string>

class QPainter;
class QRect;

namespace stamp::widgets {

struct ScaleBar {
  double lengthUm = 0;  // a nice length: 1, 2 or 5 x 10^k micrometres
  double lengthPx = 0;  // its length on screen
  std::string label;    // "500 µm", "2 mm"
};

/// The longest nice length whose bar fits in `maxPx` screen pixels at `umPerScreenPx`.
/// Invalid (lengthPx == 0) when the scale is unknown or non-positive.
ScaleBar chooseScaleBar(double umPerScreenPx, double maxPx = 160.0);
/// "500 µm" below 1 mm, else "1 mm", "2.5 mm"...; values written without trailing zeros.
std::string formatLengthUm(double um);

/// Apparent magnification: objective power x zoom of level 0 when the objective is known,
/// else the conventional 10 / (µm per screen pixel) (0.25 µm/px = 40x). Nullopt if neither.
std::optional<double> magnification(std::optional<double> objectivePower,
                                    double screenPxPerLevel0Px,
                                    std::optional<double> umPerScreenPx);

/// Draws the bar with its label on a translucent backing box at the bottom-left of `area`.
void drawScaleBar(QPainter& p, const ScaleBar& bar, const QRect& area);

}  // namespace stamp::widgets
