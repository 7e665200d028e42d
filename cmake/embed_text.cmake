# Script mode helper of reel_embed_text: writes IN's bytes as a C++ array.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," body "${hex}")
file(WRITE "${OUT}.tmp"
  "namespace reel::embedded {\nstatic const char data[] = {${body}'\\0'};\n"
  "extern const char* const ${SYMBOL};\nconst char* const ${SYMBOL} = data;\n}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
