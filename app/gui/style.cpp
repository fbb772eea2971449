#include "style.h"

#include <QApplication>
#include <QPalette>
#include <QStyleFactory>

namespace stamp::app {

void applyStyle(QApplication& app) {
  app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  QPalette p;
  const QColor window(45, 46, 49), base(32, 33, 35), text(225, 226, 228), accent(64, 132, 214);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, accent.lighter(130));
  p.setColor(QPalette::Mid, QColor(70, 71, 75));
  p.setColor(QPalette::PlaceholderText, QColor(140, 141, 146));
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 124));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 124));
  p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(120, 120, 124));
  app.setPalette(p);
}

}  // namespace stamp::app
