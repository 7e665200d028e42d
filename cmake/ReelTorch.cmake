# One libtorch: the one inside PyTorch 2.11.0. Found, in order, through -DTorch_DIR=,
# $REEL_TORCH_DIR (a libtorch root or PyTorch's site-packages/torch), or the project's
# .venv (scripts/setup installs torch==2.11.0 there).
set(REEL_TORCH_VERSION 2.11.0)

if(NOT Torch_DIR)
  if(DEFINED ENV{REEL_TORCH_DIR})
    list(APPEND CMAKE_PREFIX_PATH "$ENV{REEL_TORCH_DIR}" "$ENV{REEL_TORCH_DIR}/share/cmake")
  else()
    set(_python "${CMAKE_SOURCE_DIR}/.venv/bin/python")
    if(NOT EXISTS "${_python}")
      message(FATAL_ERROR "No libtorch found: run scripts/setup (installs torch==${REEL_TORCH_VERSION} "
                          "into .venv), or point REEL_TORCH_DIR or -DTorch_DIR= at libtorch ${REEL_TORCH_VERSION}.")
    endif()
    execute_process(COMMAND "${_python}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
                    OUTPUT_VARIABLE _torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE _rc ERROR_QUIET)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "${_python} cannot import torch: run scripts/setup again.")
    endif()
    list(APPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
  endif()
endif()

# The wheel is a CUDA build: its CMake config needs the CUDA toolkit, which every
# development machine has, so CUDA code compiles and links on every build.
if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
# Kernels are built for Ampere and Hopper through torch's own variable (torch ignores CMake's).
if(NOT TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
endif()

find_package(Torch REQUIRED)
if(NOT Torch_VERSION VERSION_EQUAL REEL_TORCH_VERSION)
  message(FATAL_ERROR "libtorch ${Torch_VERSION} found in ${Torch_DIR}; Reel builds against ${REEL_TORCH_VERSION} only.")
endif()
get_filename_component(REEL_TORCH_LIB_DIR "${TORCH_LIBRARY}" DIRECTORY)
message(STATUS "libtorch ${Torch_VERSION}: ${REEL_TORCH_LIB_DIR}")

# torch's imported targets carry the ABI flag and include dirs; expose them as one target.
add_library(reel_torch INTERFACE)
target_link_libraries(reel_torch INTERFACE ${TORCH_LIBRARIES})
target_compile_options(reel_torch INTERFACE ${TORCH_CXX_FLAGS})

# libtorch exports its own copies of some std::filesystem functions, built against a newer
# libstdc++ than Debian 12's (its remove_all calls a symbol GCC 12's runtime lacks and
# jumps to 0). Loading the system libstdc++ before libtorch makes its copies the ones used.
target_link_options(reel_torch INTERFACE "LINKER:--push-state,--no-as-needed" "-lstdc++"
                    "LINKER:--pop-state")
