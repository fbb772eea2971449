# Every third-party dependency is found here, once.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C CXX)
pkg_check_modules(OPENSLIDE REQUIRED IMPORTED_TARGET openslide)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(TIFF REQUIRED)
find_package(JPEG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json REQUIRED)
if(BUILD_GUI)
  find_package(Qt6 REQUIRED COMPONENTS Core Gui Widgets OpenGL OpenGLWidgets Charts Svg Concurrent Test)
  find_package(VTK REQUIRED COMPONENTS CommonCore CommonDataModel RenderingCore RenderingOpenGL2
               InteractionStyle RenderingFreeType)
endif()

# LibTorch's exported flags add -D_GLIBCXX_USE_CXX11_ABI and include dirs; keep them on a target.
add_library(stamp_torch_deps INTERFACE)
target_link_libraries(stamp_torch_deps INTERFACE ${TORCH_LIBRARIES})
target_include_directories(stamp_torch_deps SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})

add_library(stamp_hdf5_deps INTERFACE)
target_link_libraries(stamp_hdf5_deps INTERFACE ${HDF5_LIBRARIES} ${HDF5_CXX_LIBRARIES})
target_include_directories(stamp_hdf5_deps SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_compile_definitions(stamp_hdf5_deps INTERFACE ${HDF5_DEFINITIONS})
