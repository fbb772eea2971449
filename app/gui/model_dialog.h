#pragma once
/// "Load model…": preset (tiny/uni), weights file (.pt/.safetensors) and optional config JSON,
/// or an untrained model of the preset; the device and inference precision; plus the STAMP
/// vocabulary folder. Remembers its fields in QSettings.
#include <QDialog>

#include "model_controller.h"

class QCheckBox;
class QComboBox;
class QLineEdit;

namespace stamp::app {

class ModelDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ModelDialog(QWidget* parent = nullptr);
  ModelRequest request() const;
  QString vocabularyFolder() const;
  /// Stores the fields for next time (called when accepted).
  void remember() const;

 private:
  QWidget* fileRow(QLineEdit* edit, const QString& filter, bool folder);
  void syncEnabled();
  void fillPrecisions();
  QComboBox* preset_;
  QComboBox* device_;
  QComboBox* precision_;
  QCheckBox* untrained_;
  QLineEdit* weights_;
  QLineEdit* config_;
  QLineEdit* vocab_;
};

}  // namespace stamp::app
