#include "config/dataset_config.h"

namespace reel {

const char* to_string(DatasetType t) {
  switch (t) {
    case DatasetType::kImage:
      return "image";
    case DatasetType::kVideo:
      return "video";
    case DatasetType::kConditioning:
      return "conditioning";
    case DatasetType::kEval:
      return "eval";
    case DatasetType::kTextEmbeds:
      return "text_embeds";
    case DatasetType::kImageEmbeds:
      return "image_embeds";
    case DatasetType::kConditioningImageEmbeds:
      return "conditioning_image_embeds";
  }
  return "?";
}

const char* to_string(ResolutionType t) {
  switch (t) {
    case ResolutionType::kPixel:
      return "pixel";
    case ResolutionType::kArea:
      return "area";
    case ResolutionType::kPixelArea:
      return "pixel_area";
  }
  return "?";
}

const char* to_string(CaptionStrategy s) {
  switch (s) {
    case CaptionStrategy::kFilename:
      return "filename";
    case CaptionStrategy::kTextfile:
      return "textfile";
    case CaptionStrategy::kInstancePrompt:
      return "instanceprompt";
  }
  return "?";
}

const char* to_string(CropStyle s) {
  switch (s) {
    case CropStyle::kRandom:
      return "random";
    case CropStyle::kCorner:
      return "corner";
    case CropStyle::kCenter:
      return "center";
    case CropStyle::kFace:
      return "face";
  }
  return "?";
}

const char* to_string(CropAspect a) {
  switch (a) {
    case CropAspect::kSquare:
      return "square";
    case CropAspect::kPreserve:
      return "preserve";
    case CropAspect::kRandom:
      return "random";
    case CropAspect::kClosest:
      return "closest";
  }
  return "?";
}

const char* to_string(BucketStrategy s) {
  switch (s) {
    case BucketStrategy::kAspectRatio:
      return "aspect_ratio";
    case BucketStrategy::kResolutionFrames:
      return "resolution_frames";
  }
  return "?";
}

const char* to_string(VaeCacheScanBehaviour b) {
  switch (b) {
    case VaeCacheScanBehaviour::kRecreate:
      return "recreate";
    case VaeCacheScanBehaviour::kSync:
      return "sync";
  }
  return "?";
}

bool holds_samples(DatasetType t) {
  return t == DatasetType::kImage || t == DatasetType::kVideo || t == DatasetType::kConditioning ||
         t == DatasetType::kEval;
}

int round_frames_down_4k1(int frames) {
  return frames < 1 ? frames : (frames - 1) / 4 * 4 + 1;
}

const DatasetConfig* DatasetConfigs::find(const std::string& id) const {
  for (const auto& e : entries) {
    if (!e.disabled && e.id == id) return &e;
  }
  return nullptr;
}

const DatasetConfig* DatasetConfigs::default_text_embeds() const {
  for (const auto& e : entries) {
    if (!e.disabled && e.dataset_type == DatasetType::kTextEmbeds && e.is_default) return &e;
  }
  return nullptr;
}

}  // namespace reel
