# Installation of the desktop integration files and the Debian package (CPack DEB).
# `stamp` and `stamp-studio` install their binaries in app/; this adds the .desktop entry,
# the icon (SVG + 256 px PNG, drawn by packaging/icons/make_icon.py) and AppStream metadata.
# Build the package with packaging/package.sh (or `cpack -G DEB` in a configured build).
include(GNUInstallDirs)
# `install` / cpack do not build every target (tests, benchmarks): package.sh builds the two
# programs first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(STAMP_PACKAGING_DIR ${CMAKE_CURRENT_SOURCE_DIR}/packaging)
if(BUILD_GUI)
  install(FILES ${STAMP_PACKAGING_DIR}/stamp-studio.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${STAMP_PACKAGING_DIR}/icons/stamp-studio.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  install(FILES ${STAMP_PACKAGING_DIR}/icons/stamp-studio.png
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/256x256/apps)
  install(FILES ${STAMP_PACKAGING_DIR}/io.github.stamp_studio.StampStudio.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
endif()

set(CPACK_PACKAGE_NAME "stamp-studio")
set(CPACK_PACKAGE_VENDOR "STAMP Studio developers")
set(CPACK_PACKAGE_CONTACT "STAMP Studio developers <stamp-studio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
# The summary becomes the first line; these lines follow it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "The desktop viewer stamp-studio (slides, spots, layers, embeddings, figures)\n and the command-line tool stamp (training, embedding, figures, localization).")
# Depends from the ELF files' needed libraries (dpkg-shlibdeps), so LibTorch, Qt 6, HDF5,
# OpenSlide and OpenCV are pulled in at the versions this build linked against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
