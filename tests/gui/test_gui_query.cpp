// Asking the model from the GUI: with an untrained tiny STAMP model on a generated demo sample,
// a click queries by patch (the similarity layer peaks at the clicked spot, on screen too),
// typed genes query the image patches through the gene encoder, a patch lists the genes of its
// nearest spots, two groups of spots are compared (planted compartment markers come first,
// CSV export), and the patch query runs on another slide (ranked matches, switch to it).
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <set>

#include "compare_panel.h"
#include "demo/demo.h"
#include "demo/gene_table.h"
#include "gene_query_dialog.h"
#include "gui_test_support.h"
#include "main_window.h"
#include "model/config.h"
#include "model_actions.h"
#include "query_actions.h"
#include "ranked_list_panel.h"
#include "style.h"
#include "widgets/layer_model.h"
#include "widgets/slide_view.h"

using namespace stamp;
using namespace stamp::widgets;
using app::QueryActions;

class QueryTest : public guitest::DemoWindowTestBase {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(writeDemoFiles(3));
    model_ = strongRandomModel();
    strong_ = model_ != nullptr;
    if (!strong_) {  // an untrained model still runs every query, only its maps are flat
      qWarning("PyTorch reference unavailable: untrained model, the peak is not checked for contrast");
      QVERIFY(makeUntrainedModel(core::model::presetTiny()));
    }
    // A vocabulary of demo genes, as many as the model was built for (the queried ones first).
    const std::vector<std::string> first = {"EPCAM", "KRT8", "PTPRC", "CD3E"};
    std::vector<std::string> ids;
    std::unordered_map<std::string, std::string> symbols;
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& g : core::demo::demoGenes()) {
        const bool queried = std::find(first.begin(), first.end(), g.symbol) != first.end();
        if (queried != (pass == 0) || int(ids.size()) >= model_->config().nGenes || symbols.count(g.symbol)) continue;
        ids.emplace_back(g.ensembl);
        symbols.emplace(g.symbol, g.ensembl);
      }
    auto vocab = core::st::Vocabulary::fromParts(ids, std::vector<double>(ids.size(), 2.0), symbols);
    QVERIFY(vocab.ok());
    vocab_ = std::make_shared<const core::st::Vocabulary>(std::move(vocab).value());
  }

  void init() {
    QVERIFY(showDemoWindow({1500, 950}));
    auto* ctl = window_->modelActions()->controller();
    ctl->setVocabularyFolder({});  // image embeddings only: the queries need no more
    ctl->setCacheDir(QDir(dir_.path()).filePath("cache"));
    ctl->setModel(model_);
    QVERIFY(compute());
    query()->setVocabulary(vocab_);
  }

  void clickQueriesByPatchAndPeaksThere() {
    const auto table = window_->modelActions()->controller()->embeddings();
    const int spot = centralSpot();
    query()->setClickMode(QueryActions::ClickMode::QueryByPatch);
    const QPoint at = window_->view()->transform().toWidget({table->x[spot], table->y[spot]}).toPoint();
    QSignalSpy done(query(), &QueryActions::queryFinished);
    QTest::mouseClick(window_->view(), Qt::LeftButton, {}, at);
    QVERIFY(done.wait(30000));
    const Layer& layer = window_->layers()->layer(0);
    QCOMPARE(QString::fromStdString(layer.name), QStringLiteral("Query: similarity to clicked patch"));
    QCOMPARE(layer.spotCount(), table->rows());
    QVERIFY(std::abs(layer.values[std::size_t(spot)] - 1.f) < 1e-4);
    for (float v : layer.values) QVERIFY(std::isnan(v) || v <= layer.values[std::size_t(spot)] + 1e-5f);
    QVERIFY(query()->hasQuery());
    if (strong_) {  // a real peak: the clicked spot alone is the best match, the map has contrast
      int atTop = 0;
      for (float v : layer.values) atTop += v > 0.9999f;
      QCOMPARE(atTop, 1);
      QVERIFY(*std::min_element(layer.values.begin(), layer.values.end()) < 0.99f);
      QVERIFY(layer.vmin < 0.99);
    }
    // On screen: opaque, no outline, no selection ring: the spot shows the map's top colour.
    window_->layers()->setOpacity(0, 1.f);
    window_->view()->setOutlines(false);
    window_->view()->setSelection({});
    QVERIFY(guitest::waitForTiles(*window_->view()));
    QTest::qWait(150);
    const QImage frame = window_->view()->grabFramebuffer();
    const Rgba8 top = mapValue(layer.colorMap, layer.vmax, layer.vmin, layer.vmax);
    const QColor got = frame.pixelColor(at);
    QVERIFY2(std::abs(got.red() - top.r) <= 8 && std::abs(got.green() - top.g) <= 8 &&
                 std::abs(got.blue() - top.b) <= 8,
             qPrintable(QStringLiteral("pixel %1 vs map max %2,%3,%4").arg(got.name()).arg(top.r).arg(top.g).arg(top.b)));
    saveWindow(QStringLiteral("query_by_patch"));

    // A point between spots: a patch is cut there and embedded; every value is a cosine.
    QPointF between(table->x[spot], table->y[spot]);
    for (double step = 0.25; window_->view()->spots().spotAt(between) >= 0 && step < 4; step += 0.25)
      between = QPointF(table->x[spot] + step * table->halfPatchPx, table->y[spot]);
    QVERIFY(window_->view()->spots().spotAt(between) < 0);
    query()->setClickMode(QueryActions::ClickMode::None);
    query()->queryPatchAt(between);
    QVERIFY(done.wait(30000));
    QVERIFY(done.last().at(0).toString().contains(QStringLiteral("the patch at")));
    const Layer& cut = window_->layers()->layer(0);
    int finite = 0;
    for (float v : cut.values) finite += std::isfinite(v) && v >= -1.0001f && v <= 1.0001f;
    QCOMPARE(std::size_t(finite), table->rows());
  }

  void genesQueryTheImagePatches() {
    QSignalSpy done(query(), &QueryActions::queryFinished);
    QSignalSpy failed(query(), &QueryActions::failed);
    query()->queryGenes({{"EPCAM", 1}, {"KRT8", 2}, {"NOT_A_GENE", 1}});
    QVERIFY(done.wait(30000));
    QVERIFY(done.first().at(0).toString().contains(QStringLiteral("1 genes not in the vocabulary")));
    const Layer& layer = window_->layers()->layer(0);
    QVERIFY(QString::fromStdString(layer.name).contains(QStringLiteral("EPCAM")));
    QCOMPARE(layer.spotCount(), window_->modelActions()->controller()->embeddings()->rows());
    for (float v : layer.values) QVERIFY(std::isfinite(v) && std::abs(v) <= 1.0001f);
    // Nothing known: an error that says so, and no layer.
    const int before = window_->layers()->count();
    query()->queryGenes({{"NOT_A_GENE", 1}});
    QVERIFY(failed.wait(30000));
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("vocabulary")));
    QCOMPARE(window_->layers()->count(), before);
  }

  void geneDialogReadsTypedGenesAndProfiles() {
    auto parsed = app::parseGeneList(QStringLiteral("EPCAM, KRT8:2; CD3E 0.5\nEPCAM"));
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->size(), std::size_t(3));
    QCOMPARE((*parsed)[0].second, 2.0);  // EPCAM given twice: weights add up
    QCOMPARE((*parsed)[1].second, 2.0);
    QCOMPARE((*parsed)[2].second, 0.5);
    QVERIFY(!app::parseGeneList(QStringLiteral("EPCAM:-1")).ok());
    QVERIFY(!app::parseGeneList(QStringLiteral("EPCAM:x")).ok());
    QVERIFY(!app::parseGeneList(QStringLiteral(" , ;")).ok());
    QTest::mouseClick(window_->view(), Qt::LeftButton, {}, spotWidgetPos(centralSpot()));
    const auto profile = query()->clickedProfile();
    QVERIFY(!profile.empty());
    app::GeneQueryDialog dialog({QStringLiteral("EPCAM")}, profile);
    QVERIFY(dialog.addGenes(QStringLiteral("EPCAM, KRT8:2")));
    QCOMPARE(dialog.geneCount(), 2);
    QVERIFY(!dialog.addGenes(QStringLiteral("KRT8:0")));
    dialog.useProfile();
    QCOMPARE(dialog.genes().size(), profile.size());
  }

  void patchListsTheGenesOfItsNearestSpots() {
    QSignalSpy done(query(), &QueryActions::queryFinished);
    const auto table = window_->modelActions()->controller()->embeddings();
    const int spot = centralSpot();
    query()->genesOfPatchAt({table->x[spot], table->y[spot]});
    QVERIFY(done.wait(30000));
    app::RankedListPanel* panel = query()->resultsPanel();
    QVERIFY(panel->title().contains(QStringLiteral("nearest spots")));
    QVERIFY(panel->rowCount() > 0);
    QVERIFY(panel->cell(0, 2).toDouble() > 0);  // characteristic: higher near the patch
    saveWindow(QStringLiteral("query_patch_genes"));
  }

  void compareTwoSelectionsRanksPlantedMarkers() {
    app::ComparePanel* panel = query()->comparePanel();
    query()->compareDock()->show();
    const auto& sample = *window_->current()->sample;
    const auto& compartment = sample.obs.at("compartment");
    const auto tumour = core::demo::compartmentName(core::demo::Compartment::Tumour);
    const auto stroma = core::demo::compartmentName(core::demo::Compartment::Stroma);
    // Group A through the lasso path: the view's selection stored with "Selection → A".
    std::vector<int> selection;
    for (std::size_t i = 0; i < compartment.codes.size(); ++i)
      if (compartment.codes[i] >= 0 && compartment.categories[std::size_t(compartment.codes[i])] == tumour)
        selection.push_back(int(i));
    QVERIFY(selection.size() >= 3);
    window_->view()->setSelection(selection);
    QVERIFY(panel->setGroupsFromCategories(QStringLiteral("compartment"), QString::fromUtf8(tumour),
                                           QString::fromUtf8(stroma)));
    button(panel, QStringLiteral("Selection → A"))->click();
    QSignalSpy compared(panel, &app::ComparePanel::compared);
    button(panel, QStringLiteral("Compare A vs B"))->click();
    QVERIFY(compared.wait(30000));
    const auto& rows = panel->results();
    QVERIFY(rows.size() > 10);
    QCOMPARE(panel->tableModel()->rowCount(), int(rows.size()));
    const auto markers = plantedMarkers(core::demo::Compartment::Tumour, core::demo::Compartment::Stroma);
    int found = 0;
    for (std::size_t i = 0; i < 5; ++i) found += markers.count(rows[i].gene);
    QVERIFY2(found >= 3, qPrintable(QStringLiteral("top gene %1").arg(QString::fromStdString(rows[0].gene))));
    QVERIFY(rows[0].pAdjusted < 0.05);
    const QString csv = QDir(dir_.path()).filePath("out/differences.csv");
    QDir().mkpath(QFileInfo(csv).absolutePath());
    QVERIFY(panel->exportCsv(csv).ok());
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readLine().trimmed(),
             QByteArray("gene,mean_log1p_a,mean_log1p_b,log2_fold_change,z,p_value,p_adjusted"));
    QVERIFY(file.readLine().startsWith(QByteArray::fromStdString(rows[0].gene) + ','));
    saveWindow(QStringLiteral("query_compare"));
    QVERIFY(!panel->exportCsv(QDir(dir_.path()).filePath("no/such/folder/x.csv")).ok());
    // A categorical layer (k-means clusters) is offered as groups too, and compares.
    const int before = window_->layers()->count();
    window_->modelActions()->addClusterLayer(app::EmbeddingSource::Image);
    QVERIFY(guitest::waitUntil([&] { return window_->layers()->count() == before + 1; }, 30000));
    const QString clusters = QStringLiteral("Layer: ") + QString::fromStdString(window_->layers()->layer(0).name);
    QVERIFY(panel->setGroupsFromCategories(clusters, QStringLiteral("cluster 1"), QStringLiteral("cluster 2")));
    panel->compare();
    QVERIFY(compared.wait(30000));
    QVERIFY(!panel->results().empty());
    QVERIFY(!panel->setGroupsFromCategories(QStringLiteral("no such column"), QStringLiteral("a"), QStringLiteral("b")));
  }

  void patchQueryRunsOnAnotherSlide() {
    query()->setClickMode(QueryActions::ClickMode::QueryByPatch);
    QSignalSpy done(query(), &QueryActions::queryFinished);
    QTest::mouseClick(window_->view(), Qt::LeftButton, {}, spotWidgetPos(centralSpot()));
    QVERIFY(done.wait(30000));
    query()->queryOtherSample(slide_);  // the bare slide: a grid of patches, no spots
    QVERIFY(done.wait(120000));
    app::RankedListPanel* panel = query()->resultsPanel();
    QVERIFY(panel->title().contains(QStringLiteral("best matches")));
    QVERIFY(panel->rowCount() >= 3);
    for (int r = 1; r < panel->rowCount(); ++r)
      QVERIFY(panel->cell(r - 1, 4).toDouble() >= panel->cell(r, 4).toDouble());
    QSignalSpy shown(window_.get(), &app::MainWindow::sampleShown);
    query()->switchToMatch(0);
    QVERIFY(shown.wait(60000));
    QVERIFY(done.wait(60000));
    QVERIFY(!window_->current()->sample);
    const Layer& layer = window_->layers()->layer(0);
    QCOMPARE(QString::fromStdString(layer.name), QStringLiteral("Query: similarity to clicked patch"));
    const double best = panel->cell(0, 4).toDouble();
    QVERIFY(std::abs(*std::max_element(layer.values.begin(), layer.values.end(),
                                       [](float a, float b) { return std::isnan(a) || a < b; }) - best) < 1e-3);
    // Query by genes works on this slide without spatial transcriptomics too.
    query()->queryGenes({{"PTPRC", 1}, {"CD3E", 1}});
    QVERIFY(done.wait(30000));
    QVERIFY(QString::fromStdString(window_->layers()->layer(0).name).contains(QStringLiteral("PTPRC")));
    saveWindow(QStringLiteral("query_other_slide"));
  }

 private:
  QueryActions* query() const { return window_->queryActions(); }

  bool compute() {
    QSignalSpy ready(window_->modelActions()->controller(), &app::ModelController::embeddingsReady);
    window_->modelActions()->computeEmbeddings();
    return ready.wait(120000);
  }

  // The reference's fixture weights: random but large (an untrained model's LayerScale of 1e-5
  // makes every patch look alike, which would hide a query that does not peak where it should).
  std::shared_ptr<core::engine::ModelHandle> strongRandomModel() {
    const QString ref = QStringLiteral(STAMP_SOURCE_DIR "/../shared/reference/stamp_ref.py");
    const QString out = QDir(dir_.path()).filePath("fixture");
    if (!QFileInfo::exists(ref) || !QFileInfo::exists(QStringLiteral("/usr/bin/python3"))) return nullptr;
    QDir().mkpath(out);
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {ref, QStringLiteral("fixture"), QStringLiteral("--preset"), QStringLiteral("tiny"),
                  QStringLiteral("--seed"), QStringLiteral("4"), QStringLiteral("--out"), out});
    if (!python.waitForFinished(120000) || python.exitCode() != 0) return nullptr;
    auto model = core::engine::ModelHandle::fromFiles(QDir(out).filePath("model.safetensors").toStdString(), std::nullopt);
    return model.ok() ? std::move(model).value() : nullptr;
  }

  // The embedded spot nearest the middle of the view (well inside the window).
  int centralSpot() const {
    const auto table = window_->modelActions()->controller()->embeddings();
    const QPointF mid = window_->view()->transform().toFrame(QPointF(window_->view()->rect().center()));
    int best = 0;
    double bestD = 1e300;
    for (std::size_t i = 0; i < table->rows(); ++i) {
      const double d = std::hypot(table->x[i] - mid.x(), table->y[i] - mid.y());
      if (table->imageValid[i] && d < bestD) bestD = d, best = int(i);
    }
    return best;
  }
  QPoint spotWidgetPos(int spot) const {
    const auto table = window_->modelActions()->controller()->embeddings();
    return window_->view()->transform().toWidget({table->x[spot], table->y[spot]}).toPoint();
  }

  // Genes whose program is expressed very differently in the two compartments.
  static std::set<std::string> plantedMarkers(core::demo::Compartment a, core::demo::Compartment b) {
    std::set<std::string> out;
    for (const auto& g : core::demo::demoGenes())
      if (std::abs(core::demo::programWeight(g.program, a) - core::demo::programWeight(g.program, b)) >= 0.4)
        out.insert(g.symbol);
    return out;
  }

  static QPushButton* button(QWidget* parent, const QString& text) {
    for (auto* b : parent->findChildren<QPushButton*>())
      if (b->text() == text) return b;
    qFatal("no button %s", qPrintable(text));
  }

  void saveWindow(const QString& name) {
    QTest::qWait(200);
    guitest::saveScreenshot(window_->screen()->grabWindow(window_->winId()).toImage(), name);
  }

  std::shared_ptr<const core::st::Vocabulary> vocab_;
  bool strong_ = false;
};

int main(int argc, char** argv) { return stamp::guitest::runAppTest<QueryTest>(argc, argv); }
#include "test_gui_query.moc"
