// The dashboard's pages, scripts and styles, compiled into the binary at build time
// (assets/EmbedAssets.cmake) from src/panic/serve/assets/. Looked up by exact file name:
// nothing a request says reaches the file system.
#pragma once

#include <string_view>
#include <vector>

namespace panic::serve {

struct EmbeddedAsset {
  std::string_view name;   // the file name, e.g. "app.js"
  std::string_view bytes;  // the file's contents
};

const std::vector<EmbeddedAsset>& EmbeddedAssets();

// The asset named exactly `name`, or nullptr.
const EmbeddedAsset* FindAsset(std::string_view name);

// "text/html; charset=utf-8", "text/javascript; charset=utf-8", … by the name's extension.
std::string_view AssetContentType(std::string_view name);

}  // namespace panic::serve
