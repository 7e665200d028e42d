// Precompiled header of the layers that use ATen: the headers that most of their files
// include, parsed once per build instead of once per file.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>
