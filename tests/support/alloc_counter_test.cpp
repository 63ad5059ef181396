// SPDX-License-Identifier: MIT
// Tests of the shared allocation counter: both kinds of allocation, and only the counting thread.
#include "tests/support/alloc_counter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

namespace snapstage::test {
namespace {

// Allocates with operator new and malloc, and frees both again.
void allocateBothKinds() {
    int* volatile p = new int(7);
    void* volatile q = std::malloc(16);
    std::free(q);
    delete p;
}

TEST(AllocCounter, CountsOperatorNewAndEveryMallocFamilyCall) {
    // Given counting on, when each kind of allocation happens once
    AllocScope scope;
    int* volatile plain = new int(7);
    auto* volatile aligned = new (std::align_val_t{64}) int(8);
    void* volatile m = std::malloc(16);
    void* volatile c = std::calloc(4, 8);
    void* volatile r = std::realloc(m, 4096);
    void* pmOut = nullptr;
    const int pmResult = posix_memalign(&pmOut, 64, 32);
    void* volatile pm = pmOut;
    const AllocCounts counts = scope.stop();
    std::free(pm);
    std::free(r);
    std::free(c);
    ::operator delete (aligned, std::align_val_t{64});
    delete plain;
    // Then the two operator new calls are seen, and six malloc calls: their two and four direct
    ASSERT_EQ(pmResult, 0);
    EXPECT_EQ(counts.operatorNew, 2u);
    EXPECT_EQ(counts.mallocCalls, 6u) << countingMethod();
    EXPECT_EQ(counts.library(), 4u);
}

TEST(AllocCounter, StopsAtStopAndKeepsItsCounts) {
    // Given a scope that saw one allocation and was stopped
    AllocScope scope;
    allocateBothKinds();
    const AllocCounts first = scope.stop();
    // When more allocations happen
    allocateBothKinds();
    // Then stopping again reports the first counts
    const AllocCounts again = scope.stop();
    EXPECT_EQ(first.operatorNew, 1u);
    EXPECT_EQ(first.mallocCalls, 2u);
    EXPECT_EQ(again.operatorNew, first.operatorNew);
    EXPECT_EQ(again.mallocCalls, first.mallocCalls);
}

TEST(AllocCounter, CountsOnlyTheThreadThatOpenedTheScope) {
    // Given another thread, started before counting, that allocates when told to
    std::atomic<bool> go{false};
    std::atomic<bool> done{false};
    AllocCounts own;
    std::thread other([&] {
        while (!go.load())
            std::this_thread::yield();
        AllocScope scope;
        allocateBothKinds();
        own = scope.stop();
        done = true;
    });
    // When this thread counts while the other one allocates
    AllocScope scope;
    go = true;
    while (!done.load())
        std::this_thread::yield();
    const AllocCounts counts = scope.stop();
    other.join();
    // Then this thread's count is empty and the other thread saw its own
    EXPECT_EQ(counts.operatorNew, 0u);
    EXPECT_EQ(counts.mallocCalls, 0u);
    EXPECT_EQ(own.operatorNew, 1u);
    EXPECT_EQ(own.mallocCalls, 2u);
}

}  // namespace
}  // namespace snapstage::test
