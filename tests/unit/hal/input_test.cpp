// SPDX-License-Identifier: MIT
// Tests of the inputs: the GPIO button against a fake GPIO chip (v2 line request, edges,
// debounce in the kernel or here, active-low, long press), keys and taps against a fake evdev
// device, the stdin and script inputs, and the registry's messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "hal/input.h"
#include "hal/linux/input_linux.h"
#include "hal/sim/input_sim.h"
#include "tests/fakes/fake_input.h"

namespace snapstage::hal {
namespace {

DeviceSpec spec(const char* text) {
    auto s = DeviceSpec::parse(text);
    EXPECT_TRUE(s.ok()) << text;
    return *s;
}

std::vector<InputEvent> drain(Input& in, int64_t nowMs = 0) {
    InputEvent ev[8];
    auto n = in.read(ev, nowMs);
    EXPECT_TRUE(n.ok());
    return std::vector<InputEvent>(ev, ev + (n.ok() ? *n : 0));
}

TEST(GpioInputTest, RequestsEdgesWithActiveLowAndKernelDebounce) {
    fakes::FakeGpioChip chip({});
    GpioInput in(spec("gpio,chip=/dev/gpiochip0,line=17,active_low=true,debounce_ms=30"), chip);
    // line 17 is past the fake's 8 lines: refused by the "kernel" with a message
    Status bad = in.init();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code(), Errc::InputOpen);
    GpioInput ok(spec("gpio,chip=/dev/gpiochip0,line=3,active_low=true,debounce_ms=30"), chip);
    ASSERT_TRUE(ok.init().ok());
    const gpio_v2_line_request& r = chip.request();
    EXPECT_EQ(r.offsets[0], 3u);
    EXPECT_TRUE(r.config.flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW);
    EXPECT_TRUE(r.config.flags & GPIO_V2_LINE_FLAG_EDGE_RISING);
    EXPECT_TRUE(r.config.flags & GPIO_V2_LINE_FLAG_EDGE_FALLING);
    ASSERT_EQ(r.config.num_attrs, 1u);
    EXPECT_EQ(r.config.attrs[0].attr.debounce_period_us, 30000u);
}

TEST(GpioInputTest, ShortAndLongPressesFromEdges) {
    fakes::FakeGpioChip chip({});
    GpioInput in(spec("gpio,line=0,long_press_ms=800"), chip);  // lines count from 0
    ASSERT_TRUE(in.init().ok());
    EXPECT_TRUE(drain(in).empty());
    chip.edge(true, 1000);
    EXPECT_TRUE(drain(in).empty());  // a press counts when it ends
    chip.edge(false, 1150);
    chip.edge(true, 3000);
    chip.edge(false, 4000);
    auto ev = drain(in);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].kind, InputKind::Press);
    EXPECT_EQ(ev[1].kind, InputKind::LongPress);
}

TEST(GpioInputTest, DebouncesItselfWhenTheDriverCannot) {
    fakes::FakeGpioChip chip({.kernelDebounce = false});
    GpioInput in(spec("gpio,line=1,debounce_ms=30"), chip);
    ASSERT_TRUE(in.init().ok());
    EXPECT_EQ(chip.requests(), 2);  // asked with debounce, refused, asked without
    // A bouncing contact: edges 5 ms apart are one press.
    chip.edge(true, 100);
    chip.edge(false, 105);
    chip.edge(true, 110);
    chip.edge(false, 300);
    auto ev = drain(in);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, InputKind::Press);
}

TEST(GpioInputTest, ABusyLineOrMissingChipIsAPlainError) {
    fakes::FakeGpioChip busyChip({.busy = true});
    GpioInput busy(spec("gpio,line=1"), busyChip);
    Status st = busy.init();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(std::string(st.error().message()).find("another program holds the line"),
              std::string::npos);
    fakes::FakeGpioChip chip({});
    GpioInput missing(spec("gpio,chip=/dev/gpiochip9,line=1"), chip);
    ASSERT_FALSE(missing.init().ok());
    GpioInput noLine(spec("gpio"), chip);
    Status none = noLine.init();
    ASSERT_FALSE(none.ok());
    EXPECT_NE(std::string(none.error().message()).find("line=N"), std::string::npos);
}

TEST(EvdevInputTest, KeysArePressesAndTapsCarryTheirPosition) {
    fakes::FakeEvdev dev({});
    EvdevInput in(spec("evdev:/dev/input/event0,long_press_ms=500"), dev);
    ASSERT_TRUE(in.init().ok());
    EXPECT_NE(std::string(in.info().name).find("Fake Touch Panel"), std::string::npos);
    dev.key(KEY_ENTER, true);
    EXPECT_TRUE(drain(in, 1000).empty());
    dev.key(KEY_ENTER, false);
    auto ev = drain(in, 1100);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, InputKind::Press);
    dev.key(KEY_SPACE, true);
    EXPECT_TRUE(drain(in, 2000).empty());
    dev.key(KEY_SPACE, false);
    ev = drain(in, 2600);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, InputKind::LongPress);
    dev.touch(4095, 0);  // top right corner
    ev = drain(in, 3000);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, InputKind::Tap);
    EXPECT_EQ(ev[0].x, 10000);
    EXPECT_EQ(ev[0].y, 0);
    dev.key(KEY_A, true);
    dev.key(KEY_A, false);  // other keys are ignored
    EXPECT_TRUE(drain(in, 3100).empty());
}

TEST(StdinInputTest, ReadsOneActionPerLine) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    StdinInput in(spec("stdin"), p[0]);
    ASSERT_TRUE(in.init().ok());
    std::string text = "\nlong\ntap 5000 2500\nbogus\nqu";
    ASSERT_EQ(::write(p[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
    auto ev = drain(in);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].kind, InputKind::Press);
    EXPECT_EQ(ev[1].kind, InputKind::LongPress);
    EXPECT_EQ(ev[2].kind, InputKind::Tap);
    EXPECT_EQ(ev[2].y, 2500);
    ASSERT_EQ(::write(p[1], "it\n", 3), 3);  // the rest of a line cut in two reads
    ev = drain(in);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, InputKind::Quit);
    ::close(p[1]);
    EXPECT_TRUE(drain(in).empty());
    EXPECT_EQ(in.pollFd(), -1);  // end of input: nothing more to wait on, and no quit
    ::close(p[0]);
}

TEST(ScriptInputTest, EventsComeAtTheirTimes) {
    ScriptInput in(spec("script:press@100+tap@250:10:20+quit@1000"));
    ASSERT_TRUE(in.init().ok());
    EXPECT_TRUE(drain(in, 5000).empty());  // the clock starts at the first read
    EXPECT_EQ(in.nextWakeMs(), 5100);
    auto ev = drain(in, 5260);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].kind, InputKind::Tap);
    EXPECT_EQ(ev[1].x, 10);
    ScriptInput bad(spec("script:press@soon"));
    Status st = bad.init();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(std::string(st.error().message()).find("press@soon"), std::string::npos);
}

TEST(InputRegistryTest, NamesBackendsAndOptions) {
    auto unknown = makeInput(spec("joystick"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(std::string(unknown.error().message()).find("null,stdin,script,gpio,evdev"),
              std::string::npos);
    auto option = makeInput(spec("evdev:/dev/input/event0,line=3"));
    ASSERT_FALSE(option.ok());
    EXPECT_STREQ(option.error().message(),
                 "input 'evdev' takes no option 'line' (it takes: long_press_ms)");
}

}  // namespace
}  // namespace snapstage::hal
