// DummyT2I and DummyT2I2: text → a solid-colour 256×256 image, bit for bit with the
// Python reference's recipes (issue 2 §4). With seed s ≠ −1:
//   DummyT2I:  random.seed(s + sha8(prompt));        r, g, b = randint(0,100), randint(200,255), randint(200,255)
//   DummyT2I2: random.seed(s + sha8(prompt) + 2000); r, g, b = randint(200,255), randint(0,100), randint(200,255)
// With seed −1 the colour comes from the clock, us = microseconds since the epoch:
//   DummyT2I:  (us % 100, 200 + us % 56, 200 + (us / 100) % 56)
//   DummyT2I2: (200 + us % 56, us % 100, 200 + (us / 100) % 56)
//
// Thread safety: the models hold only constant state; calls may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "panic/models/model.h"

namespace panic::models {

struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
  bool operator==(const Rgb&) const = default;
};

// The seeded colours. Any seed is accepted, −1 included (then it is used as a number,
// which is what the reference would do if asked); models route −1 to the clock instead.
Rgb DummyT2IColor(std::string_view prompt, int64_t seed);
Rgb DummyT2I2Color(std::string_view prompt, int64_t seed);
// The seed −1 colours for a given clock reading. REQUIRES: micros >= 0.
Rgb DummyT2IClockColor(int64_t micros);
Rgb DummyT2I2ClockColor(int64_t micros);

ModelInfo DummyT2IInfo();
ModelInfo DummyT2I2Info();
// The models: text in, a kDummyImageSize² solid image out; seed −1 reads NowMicros().
std::unique_ptr<GenAIModel> MakeDummyT2I();
std::unique_ptr<GenAIModel> MakeDummyT2I2();

}  // namespace panic::models
